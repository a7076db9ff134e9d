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

    /// <summary>
    /// A create-only PUT lands but its reply is lost; the SDK retries it and the server answers 412 (the key exists — it is our
    /// own object). The store recognises its writer token instead of treating the number as taken and storing a duplicate.
    /// </summary>
    [Fact]
    public async Task Append_ReplyOfCreateOnlyPutLost_SdkRetryMeetsItsOwnObject_AcknowledgesItOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var system = Sys("lost_put");
        _proxy!.LoseNextConditionalPutReplies(1);

        var sequence = await Sut.AppendAsync(system, null, seq => TestEnvelopes.Create(system, seq, "1"), ct);
        var listed = new List<long>();
        await foreach (var item in Sut.ListAsync(system, ct))
        {
            listed.Add(item.Sequence);
        }

        Assert.Equal(1, sequence);
        Assert.Equal([1L], listed);
        Assert.True(_proxy.PreconditionFailures > 0);
    }
}
