using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Http.Tests;

/// <summary>The shared store conformance suite against a running server, through the <c>http://</c> store.</summary>
public sealed class HttpSnapshotStoreTests(ServerFixture fixture) : SnapshotStoreConformanceTests, IClassFixture<ServerFixture>
{
    private ISnapshotStore Open() =>
        HttpSnapshotStoreProvider.Create(new HttpSnapshotStoreOptions { BaseAddress = fixture.Server.BaseAddress, ApiKey = fixture.Server.AdminKey });

    protected override Task<ISnapshotStore> CreateStoreAsync() => Task.FromResult(Open());

    protected override Task<ISnapshotStore?> CreateSecondInstanceAsync() => Task.FromResult<ISnapshotStore?>(Open());

    protected override async Task TamperAsync(string system, long sequence, Func<byte[], byte[]> tamper)
    {
        // Damage on the server's disk, behind both the server and the client.
        var path = Directory.GetFiles(Path.Combine(fixture.Server.StoreRoot, system), $"*{sequence:D19}.svsnap").Single();
        await File.WriteAllBytesAsync(path, tamper(await File.ReadAllBytesAsync(path)));
    }
}
