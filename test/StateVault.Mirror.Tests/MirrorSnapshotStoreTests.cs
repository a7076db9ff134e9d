using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using StateVault.Retention;
using StateVault.Storage;

namespace StateVault.Mirror.Tests;

/// <summary>Replication, catch-up, per-side retention and verification of a file → file mirror.</summary>
public sealed class MirrorSnapshotStoreTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sv-mirror-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string PrimaryPath => Path.Combine(_root, "primary");

    private string SecondaryPath => Path.Combine(_root, "secondary");

    private ISnapshotStore NewPrimary() => FileSnapshotStoreProvider.Create(PrimaryPath);

    private FlakyStore NewSecondary() => new(FileSnapshotStoreProvider.Create(SecondaryPath));

    private static SnapshotVault KeepAllVault(ISnapshotStore store, TimeProvider? time = null) =>
        new(store, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll }, timeProvider: time);

    [Fact]
    public async Task Save_FileToFile_EverySnapshotReachesTheSecondaryByteForByte()
    {
        await using var sut = new MirrorSnapshotStore(NewPrimary(), NewSecondary(), ownsStores: true);
        await using var vault = KeepAllVault(sut);
        for (var i = 1; i <= 5; i++)
        {
            await vault.SaveAsync("orders", new JsonObject { ["i"] = i }, cancellationToken: Ct);
        }

        var report = await sut.ReplicateNowAsync(Ct);

        Assert.True(report.Succeeded);
        Assert.Equal(5, sut.Status.CopiedTotal);
        Assert.True(sut.Status.IsHealthy);
        await AssertSameSnapshotsAsync(sut.Primary, sut.Secondary, "orders", [1, 2, 3, 4, 5]);
        await AssertVerifiesAsync(sut.Primary, 5);
        await AssertVerifiesAsync(sut.Secondary, 5);
    }

    [Fact]
    public async Task Save_SecondaryNeverAnswers_SavesAreNotBlocked()
    {
        var secondary = NewSecondary();
        secondary.Mode = FlakyMode.Blocked;
        await using var sut = new MirrorSnapshotStore(NewPrimary(), secondary, new MirrorSnapshotStoreOptions { CatchUpOnStart = false }, ownsStores: true);
        await using var vault = KeepAllVault(sut);

        // If a save waited for the secondary, this would never finish (the secondary is blocked until released below).
        for (var i = 1; i <= 5; i++)
        {
            await vault.SaveAsync("blocked", new JsonObject { ["i"] = i }, cancellationToken: Ct).WaitAsync(TimeSpan.FromMinutes(1), Ct);
        }

        Assert.Equal(5, await sut.GetLatestSequenceAsync("blocked", Ct));
        Assert.True(sut.Status.Pending >= 4, $"pending {sut.Status.Pending}");
        Assert.Empty(await ListAsync(secondary.Inner, "blocked"));

        secondary.Mode = FlakyMode.Up;
        var report = await sut.ReplicateNowAsync(Ct);

        Assert.True(report.Succeeded);
        Assert.Equal(0, sut.Status.Pending);
        await AssertSameSnapshotsAsync(sut.Primary, secondary.Inner, "blocked", [1, 2, 3, 4, 5]);
    }

    [Fact]
    public async Task CatchUp_SecondaryDownDuringSaves_CopiesEverythingOnceItIsBack()
    {
        var secondary = NewSecondary();
        secondary.Mode = FlakyMode.Down;
        await using var sut = new MirrorSnapshotStore(NewPrimary(), secondary, ownsStores: true);
        await using var vault = KeepAllVault(sut);
        for (var i = 1; i <= 6; i++)
        {
            await vault.SaveAsync(i % 2 == 0 ? "even" : "odd", new JsonObject { ["i"] = i }, cancellationToken: Ct);
        }

        var whileDown = await sut.ReplicateNowAsync(Ct);

        Assert.False(whileDown.Succeeded);
        Assert.All(whileDown.Failures, f => Assert.True(f.IsTransient));
        Assert.NotNull(sut.Status.LastError);
        Assert.False(sut.Status.IsHealthy);

        secondary.Mode = FlakyMode.Up;
        var report = await sut.ReplicateNowAsync(Ct);

        Assert.True(report.Succeeded, string.Join("; ", report.Failures));
        Assert.Equal(6, report.Copied);
        Assert.True(sut.Status.IsHealthy);
        await AssertSameSnapshotsAsync(sut.Primary, secondary.Inner, "even", [1, 2, 3]);
        await AssertSameSnapshotsAsync(sut.Primary, secondary.Inner, "odd", [1, 2, 3]);
        await AssertVerifiesAsync(secondary.Inner, 6);
    }

    [Fact]
    public async Task CatchUpOnStart_AfterARestart_CopiesWhatThePreviousRunMissed()
    {
        var secondary = NewSecondary();
        secondary.Mode = FlakyMode.Down;
        await using (var first = new MirrorSnapshotStore(NewPrimary(), secondary, new MirrorSnapshotStoreOptions { DrainTimeout = TimeSpan.Zero }, ownsStores: true))
        await using (var vault = KeepAllVault(first))
        {
            for (var i = 1; i <= 4; i++)
            {
                await vault.SaveAsync("restart", new JsonObject { ["i"] = i }, cancellationToken: Ct);
            }
        }

        Assert.Empty(await ListAsync(secondary.Inner, "restart"));

        // A new process: nothing was handed over in memory; the start-up catch-up finds the gap from the listings.
        await using var sut = new MirrorSnapshotStore(NewPrimary(), NewSecondary(), ownsStores: true);
        await Eventually.TrueAsync(() => sut.Status.CatchUpsCompleted >= 1, "the start-up catch-up finished");

        Assert.True(sut.Status.IsHealthy, sut.Status.LastError);
        Assert.Equal(4, sut.Status.CopiedTotal);
        await AssertSameSnapshotsAsync(sut.Primary, sut.Secondary, "restart", [1, 2, 3, 4]);
    }

    [Fact]
    public async Task CatchUp_OnTheTimer_RunsEveryIntervalOfTheInjectedClock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var secondary = NewSecondary();
        secondary.Mode = FlakyMode.Down;
        var options = new MirrorSnapshotStoreOptions { CatchUpOnStart = false, CatchUpInterval = TimeSpan.FromMinutes(1) };
        await using var sut = new MirrorSnapshotStore(NewPrimary(), secondary, options, timeProvider: time, ownsStores: true);
        await using var vault = KeepAllVault(sut, time);
        for (var i = 1; i <= 3; i++)
        {
            await vault.SaveAsync("timer", new JsonObject { ["i"] = i }, cancellationToken: Ct);
        }

        await Eventually.TrueAsync(() => sut.Status.FailedTotal >= 3 && sut.Status.Pending == 0, "the three queued copies failed");
        secondary.Mode = FlakyMode.Up;
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, sut.Status.CatchUpsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => sut.Status.CatchUpsCompleted == 1, "the timer's catch-up finished");

        Assert.True(sut.Status.IsHealthy, sut.Status.LastError);
        Assert.Equal(time.GetUtcNow(), sut.Status.LastSuccessUtc);
        await AssertSameSnapshotsAsync(sut.Primary, secondary.Inner, "timer", [1, 2, 3]);
    }

    [Fact]
    public async Task Retention_EachSideByItsOwnPolicy_KeepLastFiveLocallyAndDailyOffSite()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new MirrorSnapshotStoreOptions { SecondaryRetention = new RetentionPolicy { KeepDaily = 30 }, CatchUpOnStart = false };
        await using var sut = new MirrorSnapshotStore(NewPrimary(), NewSecondary(), options, timeProvider: time, ownsStores: true);
        await using var vault = new SnapshotVault(sut, new SnapshotVaultOptions { Retention = new RetentionPolicy { KeepLast = 5 } }, timeProvider: time);

        // Ten days, a save every six hours: 40 snapshots, the last of each day at sequence 4, 8, …, 40.
        for (var i = 1; i <= 40; i++)
        {
            await vault.SaveAsync("daily", new JsonObject { ["i"] = i }, cancellationToken: Ct);
            Assert.True((await sut.ReplicateNowAsync(Ct)).Succeeded);
            time.Advance(TimeSpan.FromHours(6));
        }

        Assert.Equal([36L, 37L, 38L, 39L, 40L], await ListAsync(sut.Primary, "daily"));
        Assert.Equal(Enumerable.Range(1, 10).Select(d => (long)(4 * d)), await ListAsync(sut.Secondary, "daily"));
        await AssertVerifiesAsync(sut.Primary, 5);
        await AssertVerifiesAsync(sut.Secondary, 10);

        // The primary's 37-39 are not copied again: the secondary's policy would remove them (36 and 40 are there).
        var again = await sut.ReplicateNowAsync(Ct);
        Assert.Equal((0, 3, 0), (again.Copied, again.SkippedByRetention, again.Pruned));
    }

    [Fact]
    public async Task CatchUp_DamagedCopyOnTheSecondary_IsReplacedFromThePrimary()
    {
        await using var sut = new MirrorSnapshotStore(NewPrimary(), NewSecondary(), ownsStores: true);
        await using var vault = KeepAllVault(sut);
        for (var i = 1; i <= 3; i++)
        {
            await vault.SaveAsync("repair", new JsonObject { ["i"] = i }, cancellationToken: Ct);
        }

        await sut.ReplicateNowAsync(Ct);
        var path = Directory.GetFiles(Path.Combine(SecondaryPath, "repair"), "*0000000000000000002.svsnap").Single();
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[^2] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes, Ct);
        Assert.False((await new SnapshotVault(sut.Secondary).VerifyAsync(cancellationToken: Ct)).IsHealthy);

        var report = await sut.ReplicateNowAsync(Ct);

        Assert.True(report.Succeeded, string.Join("; ", report.Failures));
        Assert.Equal(1, report.Repaired);
        await AssertSameSnapshotsAsync(sut.Primary, sut.Secondary, "repair", [1, 2, 3]);
        await AssertVerifiesAsync(sut.Secondary, 3);
    }

    [Fact]
    public async Task ScheduledCatchUp_AfterTheVerifyInterval_ReadsBackEveryCopyAndRepairs()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var options = new MirrorSnapshotStoreOptions { CatchUpOnStart = false, CatchUpInterval = TimeSpan.FromHours(1), SecondaryVerifyInterval = TimeSpan.FromHours(3) };
        await using var sut = new MirrorSnapshotStore(NewPrimary(), NewSecondary(), options, timeProvider: time, ownsStores: true);
        await using var vault = KeepAllVault(sut, time);
        await vault.SaveAsync("bitrot", new JsonObject { ["i"] = 1 }, cancellationToken: Ct);
        await vault.SaveAsync("bitrot", new JsonObject { ["i"] = 2 }, cancellationToken: Ct);
        Assert.True((await sut.ReplicateNowAsync(Ct)).Succeeded); // full verification at 12:00
        var path = Directory.GetFiles(Path.Combine(SecondaryPath, "bitrot"), "*0000000000000000001.svsnap").Single();
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[^2] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes, Ct);

        // 13:00 and 14:00: copies verified at 12:00 are trusted, so the damage is not seen yet.
        for (var hour = 1; hour <= 2; hour++)
        {
            time.Advance(TimeSpan.FromHours(1));
            await Eventually.TrueAsync(() => sut.Status.CatchUpsCompleted == 1 + hour, $"catch-up {hour} finished");
        }

        Assert.NotEqual(await sut.Primary.ReadAsync("bitrot", 1, Ct), await sut.Secondary.ReadAsync("bitrot", 1, Ct));

        // 15:00: three hours since the last full verification, so every copy is read back and the damaged one replaced.
        time.Advance(TimeSpan.FromHours(1));
        await Eventually.TrueAsync(() => sut.Status.CatchUpsCompleted == 4, "the verifying catch-up finished");

        await AssertSameSnapshotsAsync(sut.Primary, sut.Secondary, "bitrot", [1, 2]);
        await AssertVerifiesAsync(sut.Secondary, 2);
    }

    [Fact]
    public async Task CatchUp_DamagedSnapshotOnThePrimary_IsNeverReplicated()
    {
        var secondary = NewSecondary();
        secondary.Mode = FlakyMode.Down;
        await using var sut = new MirrorSnapshotStore(NewPrimary(), secondary, ownsStores: true);
        await using var vault = KeepAllVault(sut);
        await vault.SaveAsync("bad_primary", new JsonObject { ["i"] = 1 }, cancellationToken: Ct);
        await vault.SaveAsync("bad_primary", new JsonObject { ["i"] = 2 }, cancellationToken: Ct);
        var path = Directory.GetFiles(Path.Combine(PrimaryPath, "bad_primary"), "*0000000000000000002.svsnap").Single();
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[^2] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes, Ct);
        secondary.Mode = FlakyMode.Up;

        var report = await sut.ReplicateNowAsync(Ct);

        var failure = Assert.Single(report.Failures);
        Assert.Equal((2L, false), (failure.Sequence!.Value, failure.IsTransient));
        Assert.Contains("damaged", failure.Reason, StringComparison.Ordinal);
        Assert.Equal([1L], await ListAsync(secondary.Inner, "bad_primary"));
    }

    [Fact]
    public async Task Delete_OnTheMirror_LeavesTheSecondaryCopy()
    {
        await using var sut = new MirrorSnapshotStore(NewPrimary(), NewSecondary(), ownsStores: true);
        await using var vault = KeepAllVault(sut);
        await vault.SaveAsync("keep_offsite", new JsonObject { ["i"] = 1 }, cancellationToken: Ct);
        await vault.SaveAsync("keep_offsite", new JsonObject { ["i"] = 2 }, cancellationToken: Ct);
        await sut.ReplicateNowAsync(Ct);

        Assert.True(await vault.DeleteAsync("keep_offsite", 1, Ct));
        await sut.ReplicateNowAsync(Ct);

        Assert.Equal([2L], await ListAsync(sut.Primary, "keep_offsite"));
        Assert.Equal([1L, 2L], await ListAsync(sut.Secondary, "keep_offsite"));
    }

    [Fact]
    public async Task Dispose_DuringACatchUpOnAHangingSecondary_ReturnsWithoutWaitingForIt()
    {
        var secondary = NewSecondary();
        secondary.Mode = FlakyMode.Blocked;
        var sut = new MirrorSnapshotStore(NewPrimary(), secondary, new MirrorSnapshotStoreOptions { DrainTimeout = TimeSpan.FromHours(1) }, ownsStores: true);
        var replicate = sut.ReplicateNowAsync(Ct);

        // A short-lived process (one CLI command) must not be held up by the start-up catch-up it never asked for.
        await sut.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1), Ct);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => replicate);
        Assert.Equal(0, sut.Status.CatchUpsCompleted);
    }

    [Fact]
    public async Task ReplicateNow_AfterDispose_Throws()
    {
        var sut = new MirrorSnapshotStore(NewPrimary(), NewSecondary(), ownsStores: true);
        await sut.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => sut.ReplicateNowAsync(Ct));
    }

    internal static async Task<List<long>> ListAsync(ISnapshotStore store, string system)
    {
        var list = new List<long>();
        await foreach (var item in store.ListAsync(system, Ct))
        {
            list.Add(item.Sequence);
        }

        return list;
    }

    internal static async Task AssertSameSnapshotsAsync(ISnapshotStore primary, ISnapshotStore secondary, string system, long[] expected)
    {
        Assert.Equal(expected, await ListAsync(secondary, system));
        foreach (var sequence in expected)
        {
            var original = await primary.ReadAsync(system, sequence, Ct);
            Assert.NotNull(original);
            Assert.Equal(original, await secondary.ReadAsync(system, sequence, Ct));
        }
    }

    /// <summary>What <c>statevault verify --store &lt;side&gt;</c> does: a vault over that side alone checks every snapshot.</summary>
    internal static async Task AssertVerifiesAsync(ISnapshotStore side, int expectedCount)
    {
        await using var vault = new SnapshotVault(side);
        var report = await vault.VerifyAsync(cancellationToken: Ct);
        Assert.True(report.IsHealthy, string.Join("; ", report.Damaged.Select(d => $"{d.System}#{d.Sequence}: {d.Error}")));
        Assert.Equal(expectedCount, report.Snapshots.Count);
    }

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Capabilities_LocalPrimaryWithASecondaryWhereCompressionPays_CompressionPays()
    {
        var secondary = NewSecondary();
        secondary.CapabilitiesOverride = new SnapshotStoreCapabilities();
        await using var sut = new MirrorSnapshotStore(NewPrimary(), secondary, new MirrorSnapshotStoreOptions { CatchUpOnStart = false }, ownsStores: true);

        // The payload is encoded once for both stores: a file primary mirrored to S3 must still upload compressed bytes.
        Assert.True(sut.Capabilities.CompressionPays);
        Assert.True(sut.Capabilities.SupportsQuarantine);
    }
}
