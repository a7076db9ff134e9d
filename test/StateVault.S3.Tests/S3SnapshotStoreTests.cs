using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.S3.Tests;

/// <summary>The shared store conformance suite against a real s3rver (which ignores conditional writes: single-writer mode).</summary>
public sealed class S3SnapshotStoreTests : SnapshotStoreConformanceTests
{
    private string? _prefix;

    protected override async Task<ISnapshotStore> CreateStoreAsync()
    {
        _prefix = S3TestServer.UniquePrefix("conformance");
        var store = S3SnapshotStoreProvider.Create(S3TestServer.Options(_prefix));
        // Resolve Auto now, so Capabilities already tell what this server guarantees.
        await ((S3SnapshotStore)store).ResolveConditionalWritesAsync(TestContext.Current.CancellationToken);
        return store;
    }

    protected override Task<ISnapshotStore?> CreateSecondInstanceAsync() =>
        Task.FromResult<ISnapshotStore?>(Sut.Capabilities.SupportsMultipleProcesses ? S3SnapshotStoreProvider.Create(S3TestServer.Options(_prefix!)) : null);

    protected override async Task TamperAsync(string system, long sequence, Func<byte[], byte[]> tamper)
    {
        using var client = S3TestServer.RawClient();
        var key = new S3Keys(_prefix!).Snapshot(system, sequence);
        var bytes = await S3TestServer.GetAsync(client, key, TestContext.Current.CancellationToken);
        await S3TestServer.PutAsync(client, key, tamper(bytes), TestContext.Current.CancellationToken);
    }
}
