using System.Text.Json.Nodes;
using StateVault.Retention;
using StateVault.Storage;
using StateVault.TestKit;
using StateVault.Tests.Support;

namespace StateVault.Tests.Vault;

public sealed class SnapshotVaultRetentionTests : IAsyncLifetime
{
    private readonly VaultHarness _h = new();

    private static CancellationToken Ct => VaultHarness.Ct;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    private static JsonObject State(int i) => new() { ["i"] = i };

    /// <summary>Saves <paramref name="count"/> snapshots, advancing the fake clock by <paramref name="step"/> before each.</summary>
    private async Task SaveSeriesAsync(SnapshotVault vault, string system, int count, TimeSpan step, SaveOptions? options = null)
    {
        for (var i = 0; i < count; i++)
        {
            _h.Clock.Advance(step);
            await vault.SaveAsync(system, State(i), options, Ct);
        }
    }

    [Fact]
    public async Task SaveAsync_DefaultPolicy_KeepsNewestFive()
    {
        var sut = _h.CreateVault();

        await SaveSeriesAsync(sut, "s", 9, TimeSpan.FromSeconds(1));

        Assert.Equal([5L, 6L, 7L, 8L, 9L], _h.StoredSequences("s"));
    }

    [Fact]
    public async Task SaveAsync_KeptSnapshotsUnchanged_ReCheckReadsEachIntoARentedBufferAndVerifiesNoneAgain()
    {
        // The re-check before a prune only compares a hash of the bytes read with the one they were verified with: on a
        // store that reads into a rented buffer (larger than the bytes: the pool rounds up), only the bytes read count.
        var store = new ReadCountingStore((ISnapshotStoreWithRentedRead)_h.Store);
        var sut = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepLast = 3 }, store);
        await SaveSeriesAsync(sut, "s", 4, TimeSpan.FromSeconds(1));
        store.Reset();

        await SaveSeriesAsync(sut, "s", 1, TimeSpan.FromSeconds(1));

        Assert.Equal([3L, 4L, 5L], _h.StoredSequences("s"));
        Assert.Equal(2, store.RentedReads); // the two kept besides the one just written
        Assert.Equal(0, store.Reads); // none failed the comparison and was read again in full
    }

    /// <summary>Counts the two ways the engine reads a snapshot.</summary>
    private sealed class ReadCountingStore(ISnapshotStoreWithRentedRead inner)
        : DelegatingSnapshotStore<ISnapshotStoreWithRentedRead>(inner, ownsInner: false), ISnapshotStoreWithRentedRead
    {
        private int _reads;
        private int _rentedReads;

        public int Reads => _reads;

        public int RentedReads => _rentedReads;

        public void Reset()
        {
            _reads = 0;
            _rentedReads = 0;
        }

        public override Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            return Inner.ReadAsync(system, sequence, cancellationToken);
        }

        public Task<StateVault.Codecs.SnapshotCodecs.PooledPayload?> ReadRentedAsync(string system, long sequence, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _rentedReads);
            return Inner.ReadRentedAsync(system, sequence, cancellationToken);
        }
    }

    [Fact]
    public async Task SaveAsync_PerSystemPolicy_OverridesDefault()
    {
        var sut = _h.CreateVault(o => o.RetentionPerSystem["short"] = new RetentionPolicy { KeepLast = 2 });

        await SaveSeriesAsync(sut, "short", 6, TimeSpan.FromSeconds(1));
        await SaveSeriesAsync(sut, "long", 6, TimeSpan.FromSeconds(1));

        Assert.Equal([5L, 6L], _h.StoredSequences("short"));
        Assert.Equal([2L, 3L, 4L, 5L, 6L], _h.StoredSequences("long"));
    }

    [Fact]
    public async Task SaveAsync_KeepHourlyWithFakeClock_KeepsNewestOfEachHour()
    {
        var sut = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepHourly = 3 });

        // The clock starts at 12:00; a save every 25 minutes for 4 hours: 12:25 … 16:10.
        await SaveSeriesAsync(sut, "s", 10, TimeSpan.FromMinutes(25));

        // Newest per hour: 14:55 (#7), 15:45 (#9), 16:10 (#10).
        Assert.Equal([7L, 9L, 10L], _h.StoredSequences("s"));
    }

    [Fact]
    public async Task SaveAsync_KeepDailyWeeklyMonthlyWithFakeClock_KeepBucketHeads()
    {
        var daily = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepDaily = 2, KeepWeekly = 2, KeepMonthly = 2 });

        // Every 10 hours for 40 days from March 1 12:00.
        await SaveSeriesAsync(daily, "s", 96, TimeSpan.FromHours(10));

        var kept = await daily.ListAsync("s", Ct);
        var times = kept.Select(k => k.Metadata!.CreatedUtc).OrderDescending().ToList();
        var newest = times[0];
        Assert.Equal(_h.Clock.GetUtcNow(), newest);
        // The newest of the two newest days, of the two newest ISO weeks and of the two newest months.
        Assert.Contains(times, t => t.Date == newest.Date.AddDays(-1));
        Assert.Contains(times, t => t.Month == newest.Month - 1);
        Assert.True(kept.Count <= 6, $"kept {kept.Count}");
        Assert.All(kept, k => Assert.True(k.IsValid));
    }

    [Fact]
    public async Task SaveAsync_KeepWithinWithFakeClock_KeepsRecentOnes()
    {
        var sut = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepWithin = TimeSpan.FromMinutes(30) });

        await SaveSeriesAsync(sut, "s", 10, TimeSpan.FromMinutes(10));

        Assert.Equal([7L, 8L, 9L, 10L], _h.StoredSequences("s"));
    }

    [Fact]
    public async Task SaveAsync_KeepTagged_KeepsTaggedSnapshotsForever()
    {
        var sut = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepLast = 2, KeepTags = ["release"] });
        await sut.SaveAsync("s", State(0), new SaveOptions { Tags = ["release"] }, Ct);

        await SaveSeriesAsync(sut, "s", 6, TimeSpan.FromDays(30));

        Assert.Equal([1L, 6L, 7L], _h.StoredSequences("s"));
    }

    [Fact]
    public async Task SaveAsync_CallerChangesItsTagListOrAttributesAfterTheSave_StoredTagsDecideRetentionAndListings()
    {
        // A caller reusing its own list for the next save must not change what the vault knows of the saved snapshot:
        // the tags stored in it decide retention, and the listing shows them.
        var sut = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepLast = 2, KeepTags = ["release"] });
        var tags = new List<string> { "release" };
        var attributes = new Dictionary<string, string> { ["build"] = "1" };
        await sut.SaveAsync("s", State(0), new SaveOptions { Tags = tags, Attributes = attributes }, Ct);
        tags.Clear();
        attributes["build"] = "2";

        await SaveSeriesAsync(sut, "s", 6, TimeSpan.FromDays(30));

        Assert.Equal([1L, 6L, 7L], _h.StoredSequences("s"));
        var first = (await sut.ListAsync("s", Ct)).Single(l => l.Sequence == 1).Metadata!;
        Assert.Equal(["release"], first.Tags);
        Assert.Equal("1", first.Attributes["build"]);
    }

    [Fact]
    public async Task SaveAsync_CorruptNewestSnapshots_DoNotPushGoodBackupsOut()
    {
        var sut = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepLast = 3 });
        await SaveSeriesAsync(sut, "s", 3, TimeSpan.FromMinutes(1));
        _h.Corrupt("s", 2);
        _h.Corrupt("s", 3);
        // A new process: nothing verified yet.
        var restarted = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepLast = 3 });

        await restarted.SaveAsync("s", State(4), cancellationToken: Ct);
        await restarted.SaveAsync("s", State(5), cancellationToken: Ct);

        // Valid: 1, 4, 5 — exactly three, so the last good backup from before the damage stays.
        Assert.Equal([1L, 4L, 5L], _h.StoredSequences("s"));
        Assert.Contains("s-0000000000000000002.svsnap", _h.QuarantinedFiles("s"));
        Assert.Contains("s-0000000000000000003.svsnap", _h.QuarantinedFiles("s"));
    }

    [Fact]
    public async Task SaveAsync_Rejected_RemovesNothing()
    {
        var sut = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepLast = 1 });
        await sut.SaveAsync("s", State(1), cancellationToken: Ct);
        await sut.SaveAsync("s", State(2), new SaveOptions { Tags = [] }, Ct);
        var before = _h.Folder.Files();

        await Assert.ThrowsAsync<SecretDetectedException>(() => sut.SaveAsync("s", new JsonObject { ["k"] = FakeSecrets.AwsAccessKeyId }, cancellationToken: Ct));
        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => sut.SaveAsync("s", State(3), new SaveOptions { ExpectedLatestSequence = 1 }, Ct));

        Assert.Equal(before, _h.Folder.Files());
    }

    [Fact]
    public async Task SaveAsync_StoreFails_RemovesNothing()
    {
        var flaky = new FlakyStore(_h.Store);
        var sut = _h.CreateVault(o => { o.Retention = new RetentionPolicy { KeepLast = 1 }; o.MaxRetryAttempts = 0; o.PruneAfterSave = false; }, flaky);
        await SaveSeriesAsync(sut, "s", 3, TimeSpan.FromMinutes(1));
        var pruning = _h.CreateVault(o => { o.Retention = new RetentionPolicy { KeepLast = 1 }; o.MaxRetryAttempts = 0; }, flaky);
        flaky.AppendFailures = 1;

        await Assert.ThrowsAsync<SnapshotStoreException>(() => pruning.SaveAsync("s", State(4), cancellationToken: Ct));

        Assert.Equal([1L, 2L, 3L], _h.StoredSequences("s"));
        Assert.Equal(0, flaky.DeleteCalls);
    }

    [Fact]
    public async Task PruneAsync_DryRun_RemovesNothingAndSaysWhatWouldGoAndWhy()
    {
        var sut = _h.CreateVault(o => o.PruneAfterSave = false);
        await SaveSeriesAsync(sut, "s", 6, TimeSpan.FromMinutes(1));
        _h.Corrupt("s", 6);
        var before = _h.Folder.Files();
        var cli = _h.CreateVault(); // as the CLI would: a new process that verified nothing yet

        var result = await cli.PruneAsync("s", new RetentionPolicy { KeepLast = 2 }, dryRun: true, cancellationToken: Ct);

        Assert.True(result.DryRun);
        Assert.Equal(before, _h.Folder.Files());
        var plan = Assert.Single(result.Plans);
        Assert.Equal([3L, 2L, 1L], plan.Removed.Select(d => d.Sequence));
        Assert.All(plan.Removed, d => Assert.Equal("matched no keep rule", d.Reasons[0]));
        Assert.Equal(3, result.RemovedCount);
        Assert.Empty(result.Quarantined);
        Assert.StartsWith("invalid", plan.Decisions.Single(d => d.Sequence == 6).Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task PruneAsync_AllSystems_AppliesPolicyAndQuarantinesDamaged()
    {
        var sut = _h.CreateVault(o => o.PruneAfterSave = false);
        await SaveSeriesAsync(sut, "a", 4, TimeSpan.FromMinutes(1));
        await SaveSeriesAsync(sut, "b", 2, TimeSpan.FromMinutes(1));
        _h.Corrupt("a", 4);
        var cli = _h.CreateVault();

        var result = await cli.PruneAsync(policy: new RetentionPolicy { KeepLast = 1 }, cancellationToken: Ct);

        Assert.False(result.DryRun);
        Assert.Equal(["a", "b"], result.Plans.Select(p => p.System));
        Assert.Equal([3L], _h.StoredSequences("a"));
        Assert.Equal([2L], _h.StoredSequences("b"));
        Assert.Equal(4, Assert.Single(result.Quarantined).Sequence);
        Assert.Equal(3, result.RemovedCount);
    }

    [Fact]
    public async Task SaveAsync_RetentionDeleteFails_SaveStillSucceedsAndIsReported()
    {
        var flaky = new FlakyStore(_h.Store);
        var sut = _h.CreateVault(o => { o.Retention = new RetentionPolicy { KeepLast = 1 }; o.MaxRetryAttempts = 0; }, flaky);
        await sut.SaveAsync("s", State(1), cancellationToken: Ct);
        flaky.DeleteFailures = 1;

        var saved = await sut.SaveAsync("s", State(2), cancellationToken: Ct);

        Assert.Equal(2, saved.Sequence);
        Assert.Equal([1L, 2L], _h.StoredSequences("s"));
        Assert.Contains(_h.Logger.Entries, e => e.Id.Id == 1021);
        await sut.SaveAsync("s", State(3), cancellationToken: Ct);
        Assert.Equal([3L], _h.StoredSequences("s"));
    }
}
