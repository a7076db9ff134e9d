using Microsoft.Extensions.Time.Testing;
using StateVault.Envelope;
using StateVault.S3;
using StateVault.Secrets;
using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.Mirror.Tests;

/// <summary>
/// Replication of chunked snapshots (built through the store API: framed chunks, then a manifest envelope): chunks the
/// secondary lacks are copied once, before the envelope; a secondary without chunks gets a clear failure.
/// </summary>
public sealed class MirrorChunkReplicationTests : IAsyncDisposable
{
    private const string System = "chunky";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "sv-mirror-chunks-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly MirrorSnapshotStoreOptions Manual = new() { CatchUpOnStart = false };

    private MemoryChunksStore NewPrimary() => new(FileSnapshotStoreProvider.Create(Path.Combine(_root, "primary")));

    /// <summary>Two chunked snapshots sharing their first chunk (three distinct chunks), and one ordinary snapshot.</summary>
    private static async Task SeedAsync(ISnapshotStoreWithChunks primary)
    {
        await ChunkedEnvelopes.AppendAsync(primary, System, ["""{"items":[1,2,3,""", "4]}"], Ct);
        await ChunkedEnvelopes.AppendAsync(primary, System, ["""{"items":[1,2,3,""", "5]}"], Ct);
        await primary.AppendAsync(System, null, seq => TestEnvelopes.Create(System, seq, """{"plain":true}"""), Ct);
    }

    [Fact]
    public async Task Replicate_ChunkedSnapshots_CopiesEachMissingChunkOnceBeforeItsEnvelope_ThenNothing()
    {
        var primary = NewPrimary();
        await SeedAsync(primary);
        var secondary = new CheckingStore(new MemoryChunksStore(FileSnapshotStoreProvider.Create(Path.Combine(_root, "secondary"))));
        await using var sut = new MirrorSnapshotStore(primary, secondary, Manual, ownsStores: true);

        var first = await sut.ReplicateNowAsync(Ct);
        var second = await sut.ReplicateNowAsync(Ct);

        Assert.True(first.Succeeded, string.Join("; ", first.Failures));
        Assert.Equal(3, first.Copied);
        Assert.Equal(3, first.ChunksCopied);
        Assert.Equal(3, secondary.Inner.ChunkPuts);
        Assert.Equal(3, secondary.CheckedImports); // every envelope found all its chunks already there
        Assert.True(second.Succeeded, string.Join("; ", second.Failures));
        Assert.Equal(0, second.Copied);
        Assert.Equal(0, second.ChunksCopied);
        Assert.Equal(3, secondary.Inner.ChunkPuts);
        await MirrorSnapshotStoreTests.AssertSameSnapshotsAsync(primary, secondary, System, [1, 2, 3]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Replicate_SecondaryRetentionPrunesAChunkedSnapshot_ItsUnsharedChunkIsCollectedOnceOutOfGrace(bool outOfGrace)
    {
        var primary = NewPrimary();
        // The secondary's chunk times come from this clock: an hour ago (out of the grace period) or now (within it).
        var secondaryClock = new FakeTimeProvider(DateTimeOffset.UtcNow - (outOfGrace ? TimeSpan.FromHours(1) : TimeSpan.Zero));
        var secondary = new MemoryChunksStore(FileSnapshotStoreProvider.Create(Path.Combine(_root, "secondary")), secondaryClock);
        var options = new MirrorSnapshotStoreOptions { CatchUpOnStart = false, SecondaryRetention = new StateVault.Retention.RetentionPolicy { KeepLast = 2 } };
        await using var sut = new MirrorSnapshotStore(primary, secondary, options, ownsStores: true);
        await ChunkedEnvelopes.AppendAsync(primary, System, ["""{"items":[1,2,3,""", "4]}"], Ct); // chunks A, B
        await ChunkedEnvelopes.AppendAsync(primary, System, ["""{"items":[1,2,3,""", "5]}"], Ct); // chunks A, C
        var first = await sut.ReplicateNowAsync(Ct);
        Assert.True(first.Succeeded, string.Join("; ", first.Failures));
        Assert.Equal(3, (await ChunkIdsAsync(secondary)).Count);

        await ChunkedEnvelopes.AppendAsync(primary, System, ["""{"items":[1,2,3,""", "6]}"], Ct); // chunks A, D
        var second = await sut.ReplicateNowAsync(Ct);

        Assert.True(second.Succeeded, string.Join("; ", second.Failures));
        Assert.Equal(1, second.Pruned); // snapshot 1, the only one naming B
        Assert.Equal([2L, 3L], await MirrorSnapshotStoreTests.ListAsync(secondary, System));
        var named = await NamedChunksAsync(secondary);
        var kept = await ChunkIdsAsync(secondary);
        Assert.Superset(named, kept); // never a chunk a snapshot there names
        Assert.Equal(outOfGrace ? 1 : 0, second.ChunksCollected);
        Assert.Equal(outOfGrace ? named.Count : named.Count + 1, kept.Count);
    }

    [Fact]
    public async Task Replicate_ChunkDamagedOnTheSecondary_IsFoundByTheFullVerificationAndPutAgainFromThePrimary()
    {
        var primary = NewPrimary();
        await SeedAsync(primary);
        var secondary = new MemoryChunksStore(FileSnapshotStoreProvider.Create(Path.Combine(_root, "secondary")));
        await using var sut = new MirrorSnapshotStore(primary, secondary, Manual, ownsStores: true);
        Assert.True((await sut.ReplicateNowAsync(Ct)).Succeeded);
        var (header, payload) = SnapshotEnvelope.Decode((await secondary.ReadAsync(System, 2, Ct))!);
        var shared = ChunkManifest.Parse(payload.Span, header.RawLength).Chunks[0]; // named by snapshots 1 and 2
        var good = (await secondary.ReadChunkAsync(System, shared.Id, Ct))!.Data;
        var damaged = good.ToArray();
        damaged[^1] ^= 0x01;
        await secondary.PutChunkAsync(System, shared.Id, damaged, Ct); // the secondary's copy rots in place

        var report = await sut.ReplicateNowAsync(Ct); // a full verification, as every ReplicateNowAsync

        Assert.True(report.Succeeded, string.Join("; ", report.Failures));
        Assert.Equal(2, report.Repaired); // both snapshots naming the chunk were bad copies until it was put again
        Assert.Equal(good, (await secondary.ReadChunkAsync(System, shared.Id, Ct))!.Data);
        await MirrorSnapshotStoreTests.AssertSameSnapshotsAsync(primary, secondary, System, [1, 2, 3]);
        Assert.True((await sut.ReplicateNowAsync(Ct)) is { Succeeded: true, Repaired: 0, Copied: 0 });
    }

    private static async Task<HashSet<string>> ChunkIdsAsync(ISnapshotStoreWithChunks store)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var chunk in store.ListChunksAsync(System, Ct))
        {
            ids.Add(chunk.Id);
        }

        return ids;
    }

    private static async Task<HashSet<string>> NamedChunksAsync(ISnapshotStore store)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sequence in await MirrorSnapshotStoreTests.ListAsync(store, System))
        {
            var (header, payload) = SnapshotEnvelope.Decode((await store.ReadAsync(System, sequence, Ct))!);
            ids.UnionWith(ChunkManifest.Parse(payload.Span, header.RawLength).Chunks.Select(c => c.Id));
        }

        return ids;
    }

    [Fact]
    public async Task Replicate_ChunkedSnapshotsToASecondaryWithoutChunks_ReportsEachAndStillCopiesTheOrdinaryOne()
    {
        var primary = NewPrimary();
        await SeedAsync(primary);
        var secondary = new LostReplyStore(FileSnapshotStoreProvider.Create(Path.Combine(_root, "secondary")));
        await using var sut = new MirrorSnapshotStore(primary, secondary, Manual, ownsStores: true);

        var report = await sut.ReplicateNowAsync(Ct);

        Assert.False(report.Succeeded);
        Assert.Equal([1L, 2L], report.Failures.Select(f => f.Sequence!.Value).Order());
        Assert.All(report.Failures, f =>
        {
            Assert.Equal(System, f.System);
            Assert.False(f.IsTransient);
            Assert.Contains("keeps no chunks", f.Reason, StringComparison.Ordinal);
        });
        Assert.Equal(1, report.Copied);
        Assert.Equal([3L], await MirrorSnapshotStoreTests.ListAsync(secondary, System));
    }

    [Fact]
    public async Task Replicate_PrimaryChunkDamaged_FailsThatSnapshotOnlyAndCopiesNoEnvelopeWithoutItsChunks()
    {
        var primary = NewPrimary();
        await SeedAsync(primary);
        var (_, chunks) = ChunkedEnvelopes.Create(System, 2, ["""{"items":[1,2,3,""", "5]}"]);
        await primary.PutChunkAsync(System, chunks[1].Id, chunks[0].Framed, Ct); // the "5]}" chunk now holds other bytes
        var secondary = new CheckingStore(new MemoryChunksStore(FileSnapshotStoreProvider.Create(Path.Combine(_root, "secondary"))));
        await using var sut = new MirrorSnapshotStore(primary, secondary, Manual, ownsStores: true);

        var report = await sut.ReplicateNowAsync(Ct);

        var failure = Assert.Single(report.Failures);
        Assert.Equal(2, failure.Sequence);
        Assert.Contains("damaged", failure.Reason, StringComparison.Ordinal);
        Assert.Equal([1L, 3L], await MirrorSnapshotStoreTests.ListAsync(secondary, System));
    }

    [Fact]
    public async Task Replicate_ChunkedSnapshotsFileToS3_CopiesChunksOnceAndTheS3CopyChecksOut()
    {
        var primary = NewPrimary();
        await SeedAsync(primary);
        var options = new S3SnapshotStoreOptions
        {
            BucketName = Backend.RequireEnvironment("STATEVAULT_TEST_S3_BUCKET", "An S3 test bucket"),
            Prefix = $"tests/mirror-chunks-{Guid.NewGuid():N}",
            ServiceUrl = new Uri(Backend.RequireEnvironment("STATEVAULT_TEST_S3_ENDPOINT", "An S3-compatible server (s3rver)")),
            Region = "us-east-1",
        };
        var s3 = (ISnapshotStoreWithChunks)S3SnapshotStoreProvider.Create(options);
        await using var sut = new MirrorSnapshotStore(primary, s3, Manual, ownsStores: true);

        var first = await sut.ReplicateNowAsync(Ct);
        var second = await sut.ReplicateNowAsync(Ct);

        Assert.True(first.Succeeded, string.Join("; ", first.Failures));
        Assert.Equal(3, first.ChunksCopied);
        Assert.True(second.Succeeded, string.Join("; ", second.Failures));
        Assert.Equal(0, second.ChunksCopied);
        Assert.Equal(0, second.Copied);
        foreach (var sequence in new long[] { 1, 2 })
        {
            // The off-site copy stands on its own: its envelope checks out with its chunks read from S3.
            var envelope = (await s3.ReadAsync(System, sequence, Ct))!;
            var header = await IncomingEnvelope.CheckAsync(envelope, System, sequence, 1 << 20, 1024, SecretPolicy.Reject, async (id, ct) => (await s3.ReadChunkAsync(System, id, ct))?.Data, Ct);
            Assert.Equal(ChunkManifest.Codec, header.Codec);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// A secondary that, like a StateVault server, checks every imported envelope against the chunks it already holds and
    /// refuses one whose chunks are not all there: an envelope copied before its chunks fails here.
    /// </summary>
    private sealed class CheckingStore(MemoryChunksStore inner) : DelegatingChunkSnapshotStore<MemoryChunksStore>(inner, ownsInner: true)
    {
        private int _checkedImports;

        public int CheckedImports => Volatile.Read(ref _checkedImports);

        public override async Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken)
        {
            await IncomingEnvelope.CheckAsync(envelope.ToArray(), system, sequence, 1 << 20, 1024, SecretPolicy.Reject, async (id, ct) => (await Inner.ReadChunkAsync(system, id, ct))?.Data, cancellationToken);
            Interlocked.Increment(ref _checkedImports);
            return await Inner.ImportAsync(system, sequence, envelope, cancellationToken);
        }
    }
}
