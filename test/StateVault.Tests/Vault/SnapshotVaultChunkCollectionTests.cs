using Microsoft.Extensions.Time.Testing;
using StateVault.Envelope;
using StateVault.Retention;
using StateVault.Secrets;
using StateVault.Storage;
using StateVault.TestKit;
using StateVault.Tests.Support;

namespace StateVault.Tests.Vault;

/// <summary>Collection of unreferenced chunks (issue 13, item 1): the grace rule, never a referenced chunk, skip on damage.</summary>
public sealed class SnapshotVaultChunkCollectionTests : IAsyncLifetime
{
    private const string System = "big";
    private readonly VaultHarness _h = new();

    // The file store's stored time is the file's modification time: the fake clock starts at the real time.
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    private static CancellationToken Ct => VaultHarness.Ct;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    private SnapshotVault Vault(int keepLast, TimeSpan grace, bool pruneAfterSave = true)
    {
        var options = new SnapshotVaultOptions
        {
            RetryBaseDelay = TimeSpan.Zero,
            SecretPolicy = SecretPolicy.Off,
            Retention = new RetentionPolicy { KeepLast = keepLast },
            PruneAfterSave = pruneAfterSave,
        };
        options.Chunking.Threshold = 64 * 1024;
        options.Chunking.AverageChunkSize = 4 * 1024;
        options.Chunking.GracePeriod = grace;
        return new SnapshotVault(_h.Store, options, timeProvider: _clock);
    }

    /// <summary>
    /// Moves the fake clock a second past the real time. The file store's stored time is the file's real modification
    /// time, so on a slow run a chunk stored after the clock was last moved would be younger than the clock says.
    /// </summary>
    private void PassTheStoredTimes()
    {
        var now = DateTimeOffset.UtcNow;
        _clock.SetUtcNow((now > _clock.GetUtcNow() ? now : _clock.GetUtcNow()) + TimeSpan.FromSeconds(1));
    }

    private async Task<HashSet<string>> ReferencedAsync()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in _h.Store.ListAsync(System, Ct))
        {
            var (header, payload) = SnapshotEnvelope.Decode((await _h.Store.ReadAsync(System, item.Sequence, Ct))!);
            if (header.Codec == ChunkManifest.Codec)
            {
                ids.UnionWith(ChunkManifest.Parse(payload.Span, long.MaxValue).Chunks.Select(c => c.Id));
            }
        }

        return ids;
    }

    private async Task<HashSet<string>> StoredChunksAsync()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var chunk in ((ISnapshotStoreWithChunks)_h.Store).ListChunksAsync(System, Ct))
        {
            ids.Add(chunk.Id);
        }

        return ids;
    }

    [Fact]
    public async Task Collect_UnreferencedChunksPastTheGrace_DeletesThemAndNeverAReferencedOne()
    {
        await using var sut = Vault(keepLast: 2, TimeSpan.FromMinutes(10));
        for (var i = 0; i < 4; i++)
        {
            // Every record changes: four states with (nearly) disjoint chunks.
            await sut.SaveJsonAsync(System, SnapshotVaultChunkTests.State(i, changedRecord: -2).Select(b => b == (byte)'0' ? (byte)('0' + i) : b).ToArray(), cancellationToken: Ct);
        }

        var referenced = await ReferencedAsync();
        var before = await StoredChunksAsync();
        Assert.True(before.Count > referenced.Count, "retention removed snapshots whose chunks are now unreferenced");

        var early = await sut.CollectChunksAsync(System, cancellationToken: Ct);
        Assert.Equal(0, early.Deleted);
        Assert.Equal(before, await StoredChunksAsync());

        _clock.Advance(TimeSpan.FromMinutes(11));
        var dry = await sut.CollectChunksAsync(System, dryRun: true, Ct);
        Assert.Equal(before, await StoredChunksAsync());
        var collected = await sut.CollectChunksAsync(System, cancellationToken: Ct);

        Assert.Equal(before.Count - referenced.Count, collected.Deleted);
        Assert.Equal(collected.Deleted, dry.Deleted);
        Assert.True(collected.BytesFreed > 0);
        Assert.Equal(referenced, await StoredChunksAsync());
        Assert.True((await sut.VerifyAsync(System, cancellationToken: Ct)).IsHealthy);
    }

    [Fact]
    public async Task Collect_AnotherSaveAppendsWhileTheSnapshotsAreListed_ItsFreshChunkIsKept()
    {
        var grace = TimeSpan.FromMinutes(10);
        var chunks = new MemoryChunksStore(_h.Store, _clock);
        // Another process's save: its chunk was put at the start of the save, half a grace before collection starts.
        var (envelope, parts) = ChunkedEnvelopes.Create(System, 1, ["{\"a\":", "1}"]);
        foreach (var chunk in parts)
        {
            await chunks.PutChunkAsync(System, chunk.Id, chunk.Framed, Ct);
        }

        _clock.Advance(grace / 2);
        // While collection lists the snapshots (a slow listing), that save appends at the end of its half grace; the
        // listing no longer sees it, and the clock moves on by a whole grace before the listing returns.
        var store = new AfterListStore(chunks, async () =>
        {
            await chunks.AppendAsync(System, 0, _ => envelope, Ct);
            _clock.Advance(grace);
        });
        var options = new SnapshotVaultOptions { RetryBaseDelay = TimeSpan.Zero, SecretPolicy = SecretPolicy.Off };
        options.Chunking.GracePeriod = grace;
        await using var sut = new SnapshotVault(store, options, timeProvider: _clock);

        await sut.CollectChunksAsync(System, cancellationToken: Ct);

        foreach (var chunk in parts)
        {
            Assert.NotNull(await chunks.ReadChunkAsync(System, chunk.Id, Ct));
        }

        Assert.Equal("{\"a\":1}", global::System.Text.Encoding.UTF8.GetString((await sut.LoadLatestJsonAsync(System, Ct))!.Json.Span));
    }

    /// <summary>Runs <c>afterList</c> once, after the snapshot listing was taken and before it is returned.</summary>
    private sealed class AfterListStore(ISnapshotStoreWithChunks inner, Func<Task> afterList)
        : DelegatingChunkSnapshotStore<ISnapshotStoreWithChunks>(inner, ownsInner: false)
    {
        private Func<Task>? _afterList = afterList;

        public override async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [global::System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var listed = new List<StoredSnapshotRef>();
            await foreach (var item in Inner.ListAsync(system, cancellationToken))
            {
                listed.Add(item);
            }

            if (Interlocked.Exchange(ref _afterList, null) is { } hook)
            {
                await hook();
            }

            foreach (var item in listed)
            {
                yield return item;
            }
        }
    }

    [Fact]
    public async Task Prune_ChunkedSnapshotsRemoved_ReportsChunksDeletedAndStatsShowTheRest()
    {
        await using var sut = Vault(keepLast: 5, TimeSpan.Zero, pruneAfterSave: false);
        for (var i = 0; i < 3; i++)
        {
            await sut.SaveJsonAsync(System, SnapshotVaultChunkTests.State(i, changedRecord: -2).Select(b => b == (byte)'0' ? (byte)('0' + i) : b).ToArray(), cancellationToken: Ct);
        }

        PassTheStoredTimes();
        var dry = await sut.PruneAsync(System, new RetentionPolicy { KeepLast = 1 }, dryRun: true, Ct);
        var result = await sut.PruneAsync(System, new RetentionPolicy { KeepLast = 1 }, cancellationToken: Ct);
        var summary = Assert.Single(await sut.ListSystemsAsync(Ct));

        Assert.Equal(0, dry.ChunksDeleted); // every chunk is still referenced before the prune
        Assert.Equal(2, result.RemovedCount);
        Assert.True(result.ChunksDeleted > 0);
        Assert.True(result.ChunkBytesFreed > 0);
        Assert.Equal((await ReferencedAsync()).Count, summary.Chunks);
        Assert.Equal(await StoredChunksAsync(), await ReferencedAsync());
        Assert.True(summary.ChunkBytes > 0);
    }

    [Fact]
    public async Task Save_RetentionRemovedAChunkedSnapshotWithNoGrace_CollectsItsChunksAtOnce()
    {
        await using var sut = Vault(keepLast: 1, TimeSpan.Zero);
        for (var i = 0; i < 3; i++)
        {
            PassTheStoredTimes();
            await sut.SaveJsonAsync(System, SnapshotVaultChunkTests.State(i, changedRecord: -2).Select(b => b == (byte)'0' ? (byte)('0' + i) : b).ToArray(), cancellationToken: Ct);
        }

        Assert.Equal(await ReferencedAsync(), await StoredChunksAsync());
        Assert.True((await sut.VerifyAsync(System, cancellationToken: Ct)).IsHealthy);
    }

    [Fact]
    public async Task Collect_AListedSnapshotIsUnreadable_DeletesNothing()
    {
        await using var sut = Vault(keepLast: 2, TimeSpan.FromMinutes(1));
        for (var i = 0; i < 3; i++)
        {
            await sut.SaveJsonAsync(System, SnapshotVaultChunkTests.State(i, changedRecord: -2).Select(b => b == (byte)'0' ? (byte)('0' + i) : b).ToArray(), cancellationToken: Ct);
        }

        var before = await StoredChunksAsync();
        _h.Corrupt(System, 3);
        _clock.Advance(TimeSpan.FromMinutes(5));

        var result = await sut.CollectChunksAsync(System, cancellationToken: Ct);

        Assert.Equal(0, result.Deleted);
        Assert.NotNull(result.Skipped);
        Assert.Contains("snapshot 3", result.Skipped, StringComparison.Ordinal);
        Assert.Equal(before, await StoredChunksAsync());
    }

    [Fact]
    public async Task Collect_ChunkPutAgainAfterTheCutoff_Survives()
    {
        var store = (ISnapshotStoreWithChunks)_h.Store;
        await using var sut = Vault(keepLast: 5, TimeSpan.FromMinutes(1));
        await sut.SaveJsonAsync(System, SnapshotVaultChunkTests.State(0), cancellationToken: Ct);
        var id = (await StoredChunksAsync()).First();
        var data = (await store.ReadChunkAsync(System, id, Ct))!.Data;
        Assert.True(await sut.DeleteAsync(System, 1, Ct));
        var cutoff = (await store.ReadChunkAsync(System, id, Ct))!.StoredUtc.AddMilliseconds(1);

        // Another process puts the chunk again (a save reusing it) after the collection took its cut-off.
        await store.PutChunkAsync(System, id, data, Ct);
        File.SetLastWriteTimeUtc(Path.Combine(_h.SystemFolder(System), ".chunks", id[..2], id), cutoff.UtcDateTime.AddSeconds(1));

        Assert.False(await store.DeleteChunkAsync(System, id, cutoff, Ct));
        Assert.Contains(id, await StoredChunksAsync());
    }
}
