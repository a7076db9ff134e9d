using System.Text.Json.Nodes;
using StateVault.TestKit;
using StateVault.Tests.Support;

namespace StateVault.Tests.Vault;

public sealed class SnapshotVaultRetryTests : IAsyncLifetime
{
    private readonly VaultHarness _h = new();

    private static CancellationToken Ct => VaultHarness.Ct;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task SaveAsync_TransientFailuresWithinBudget_AreRetriedAndSucceed(int failures)
    {
        var flaky = new FlakyStore(_h.Store) { AppendFailures = failures };
        var sut = _h.CreateVault(o => o.MaxRetryAttempts = 3, flaky);

        var saved = await sut.SaveAsync("r_sys", new JsonObject { ["a"] = 1 }, cancellationToken: Ct);

        Assert.Equal(1, saved.Sequence);
        Assert.Equal(failures + 1, flaky.AppendCalls);
        Assert.Equal(failures, _h.Logger.Entries.Count(e => e.Id.Id == 1030));
        Assert.Equal(1, _h.Metrics.Sum("statevault.saves", ("result", "success")));
    }

    [Fact]
    public async Task SaveAsync_TransientFailuresBeyondBudget_ThrowsTransientAfterAllAttempts()
    {
        var flaky = new FlakyStore(_h.Store) { AppendFailures = 10 };
        var sut = _h.CreateVault(o => o.MaxRetryAttempts = 2, flaky);

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.SaveAsync("r_sys", new JsonObject(), cancellationToken: Ct));

        Assert.True(ex.IsTransient);
        Assert.Equal(3, flaky.AppendCalls);
        Assert.Empty(_h.Folder.Files());
    }

    [Fact]
    public async Task SaveAsync_NonTransientFailure_IsNotRetried()
    {
        var flaky = new FlakyStore(_h.Store) { AppendFailures = 1, AppendFailuresAreTransient = false };
        var sut = _h.CreateVault(o => o.MaxRetryAttempts = 3, flaky);

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.SaveAsync("r_sys", new JsonObject(), cancellationToken: Ct));

        Assert.False(ex.IsTransient);
        Assert.Equal(1, flaky.AppendCalls);
        Assert.Contains(_h.Logger.Entries, e => e.Id.Id == 1001);
    }

    [Fact]
    public async Task SaveAsync_ConcurrencyConflict_IsNotRetried()
    {
        var flaky = new FlakyStore(_h.Store);
        var sut = _h.CreateVault(o => o.MaxRetryAttempts = 3, flaky);
        await sut.SaveAsync("r_sys", new JsonObject(), cancellationToken: Ct);

        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => sut.SaveAsync("r_sys", new JsonObject(), new SaveOptions { ExpectedLatestSequence = 0 }, Ct));

        Assert.Equal(2, flaky.AppendCalls);
    }

    /// <summary>A vault allowing two retries over a flaky store, holding one saved snapshot of <c>r_sys</c>.</summary>
    private async Task<(SnapshotVault Vault, FlakyStore Flaky)> SavedWithTwoRetriesAsync()
    {
        var flaky = new FlakyStore(_h.Store);
        var vault = _h.CreateVault(o => o.MaxRetryAttempts = 2, flaky);
        await vault.SaveAsync("r_sys", new JsonObject { ["a"] = 5 }, cancellationToken: Ct);
        return (vault, flaky);
    }

    [Fact]
    public async Task LoadLatestAsync_TransientReadFailure_IsRetried()
    {
        var (sut, flaky) = await SavedWithTwoRetriesAsync();
        flaky.ReadFailures = 2;

        var loaded = await sut.LoadLatestAsync<JsonObject>("r_sys", Ct);

        Assert.Equal(5, loaded!.State["a"]!.GetValue<int>());
        Assert.Equal(3, flaky.ReadCalls);
    }

    [Fact]
    public async Task LoadLatestAsync_TokenAlreadyCancelled_NeverReachesTheStore()
    {
        var (sut, flaky) = await SavedWithTwoRetriesAsync();
        var readsBefore = flaky.ReadCalls;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sut.LoadLatestAsync<JsonObject>("r_sys", cancelled.Token));

        Assert.Equal(readsBefore, flaky.ReadCalls);
    }

    [Fact]
    public async Task LoadLatestAsync_TransientReadFailuresBeyondBudget_ThrowAfterAllAttemptsWithOneRetryLoggedPerAttemptAfterTheFirst()
    {
        var (sut, flaky) = await SavedWithTwoRetriesAsync();
        flaky.ReadFailures = 10;
        var readsBefore = flaky.ReadCalls;

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.LoadLatestAsync<JsonObject>("r_sys", Ct));

        Assert.True(ex.IsTransient);
        Assert.Equal(3, flaky.ReadCalls - readsBefore);
        Assert.Equal(2, _h.Logger.Entries.Count(e => e.Id.Id == 1030));
    }

    [Fact]
    public async Task SaveAsync_OwnWriteFoundAfterALostReply_RetentionStillPrunes_AndOnlyWhatIsGoneIsReportedPruned()
    {
        // The append stored the snapshot, then failed before it could delete for retention (the folder's fsync failed): the
        // retry finds its own write. Retention's plan was never carried out by the store, so it must not be reported as
        // done: the save applies retention itself.
        var ops = new FailingFolderFsync();
        var store = new StateVault.Storage.FileSnapshotStore(new StateVault.Storage.FileSnapshotStoreOptions { RootPath = Path.Combine(_h.Folder.Path, "durable"), Durable = true }, ops);
        await using var owned = store;
        var sut = _h.CreateVault(o => { o.MaxRetryAttempts = 2; o.Retention = new StateVault.Retention.RetentionPolicy { KeepLast = 2 }; }, store);
        for (var i = 0; i < 3; i++)
        {
            await sut.SaveAsync("r_sys", new JsonObject { ["i"] = i }, cancellationToken: Ct);
        }

        ops.FailNext = true;
        var saved = await sut.SaveAsync("r_sys", new JsonObject { ["i"] = 3 }, cancellationToken: Ct);

        Assert.Equal(4, saved.Sequence);
        Assert.Contains(_h.Logger.Entries, e => e.Id.Id == 1035); // the lost reply was found
        var stored = new List<long>();
        await foreach (var item in store.ListAsync("r_sys", Ct))
        {
            stored.Add(item.Sequence);
        }

        Assert.Equal([3L, 4L], stored);
        var reportedPruned = _h.Logger.Entries.Where(e => e.Id.Id == 1020).Select(e => e.Text).ToList();
        Assert.Equal(2, reportedPruned.Count); // #1 by the third save, #2 by the fourth: each once
    }

    /// <summary>Fails the next folder fsync once <see cref="FailNext"/> is set, after the rename it follows (a transient store failure).</summary>
    private sealed class FailingFolderFsync : StateVault.Storage.FileSystemOps
    {
        public bool FailNext { get; set; }

        public override void FsyncDirectory(string directory)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new IOException("fsync of directory failed (errno 5)");
            }

            base.FsyncDirectory(directory);
        }
    }

    [Fact]
    public async Task SaveAsync_RetryDelays_ComeFromTheInjectedClock()
    {
        var flaky = new FlakyStore(_h.Store) { AppendFailures = 1 };
        var sut = _h.CreateVault(o => { o.MaxRetryAttempts = 1; o.RetryBaseDelay = TimeSpan.FromHours(1); }, flaky);

        var save = sut.SaveAsync("r_sys", new JsonObject(), cancellationToken: Ct);
        // The retry waits on the fake clock: it cannot complete until the clock moves.
        Assert.Equal(1, flaky.AppendCalls);
        Assert.False(save.IsCompleted);
        _h.Clock.Advance(TimeSpan.FromDays(1)); // beyond any jittered delay
        var saved = await save;

        Assert.Equal(1, saved.Sequence);
        Assert.Equal(2, flaky.AppendCalls);
    }
}
