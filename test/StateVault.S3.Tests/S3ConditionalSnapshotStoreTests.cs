using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.S3.Tests;

/// <summary>
/// The shared store conformance suite with conditional writes in force (s3rver behind <see cref="ConditionalWriteProxy"/>,
/// which enforces If-None-Match/If-Match as AWS S3 does). The second instance has its own locks, so the
/// two-instance test races through the server's conditions alone, as two processes would.
/// </summary>
public sealed class S3ConditionalSnapshotStoreTests : SnapshotStoreConformanceTests
{
    private ConditionalWriteProxy? _proxy;
    private string? _prefix;

    protected override async Task<ISnapshotStore> CreateStoreAsync()
    {
        _prefix = S3TestServer.UniquePrefix("conditional");
        _proxy = await ConditionalWriteProxy.StartAsync(S3TestServer.Endpoint);
        var store = S3SnapshotStoreProvider.Create(S3TestServer.Options(_prefix, _proxy.Endpoint, S3ConditionalWrites.Required));
        Assert.True(await ((S3SnapshotStore)store).ResolveConditionalWritesAsync(TestContext.Current.CancellationToken));
        return store;
    }

    protected override Task<ISnapshotStore?> CreateSecondInstanceAsync() =>
        Task.FromResult<ISnapshotStore?>(S3SnapshotStoreProvider.Create(S3TestServer.Options(_prefix!, _proxy!.Endpoint, S3ConditionalWrites.Required)));

    protected override async Task TamperAsync(string system, long sequence, Func<byte[], byte[]> tamper)
    {
        using var client = S3TestServer.RawClient();
        var key = new S3Keys(_prefix!).Snapshot(system, sequence);
        var bytes = await S3TestServer.GetAsync(client, key, TestContext.Current.CancellationToken);
        await S3TestServer.PutAsync(client, key, tamper(bytes), TestContext.Current.CancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }
    }
}
