using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace StateVault.Hosting.Tests.Restore;

public sealed class RestoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task StartAsync_NoSnapshot_StartsFromDefaults()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);

        await sut.Host.StartAsync(Ct);

        Assert.Equal(0, sut.Counter.Count(CounterComponent.SystemA));
        var restore = sut.Persistence.GetStatus(CounterComponent.SystemA).Restore;
        Assert.NotNull(restore);
        Assert.True(restore.FromDefaults);
        Assert.False(restore.FellBack);
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_SavedState_RestoredBeforeWorkStarts()
    {
        await using (var first = TestHost.Create(_dir.Store, _time))
        {
            await first.Host.StartAsync(Ct);
            first.Counter.Increment(CounterComponent.SystemA);
            first.Counter.Increment(CounterComponent.SystemA);
            first.Counter.Increment(CounterComponent.SystemB);
            await first.Host.StopAsync(Ct);
        }

        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);

        Assert.Equal(2, sut.Counter.CountWhenStarted);
        Assert.Equal(1, sut.Counter.Count(CounterComponent.SystemB));
        Assert.Equal(1, sut.Persistence.GetStatus(CounterComponent.SystemA).Restore!.Sequence);
        Assert.False(sut.Persistence.GetStatus(CounterComponent.SystemA).Dirty);
        await sut.Host.StopAsync(Ct);
        Assert.Equal(1, await sut.Vault.GetLatestSequenceAsync(CounterComponent.SystemA, Ct)); // restored state is clean: nothing re-saved
    }

    [Fact]
    public async Task StartAsync_NewestSnapshotCorrupt_RestoresPreviousAndReportsFallback()
    {
        await using (var first = TestHost.Create(_dir.Store, _time))
        {
            await first.Host.StartAsync(Ct);
            first.Counter.Increment(CounterComponent.SystemA);
            await first.Counter.SaveNowAsync(Ct);
            first.Counter.Increment(CounterComponent.SystemA);
            await first.Host.StopAsync(Ct);
        }

        var newest = Directory.GetFiles(Path.Combine(_dir.Store, CounterComponent.SystemA), "*.svsnap").Order(StringComparer.Ordinal).Last();
        var bytes = await File.ReadAllBytesAsync(newest, Ct);
        bytes[^3] ^= 0x20;
        await File.WriteAllBytesAsync(newest, bytes, Ct);

        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);

        Assert.Equal(1, sut.Counter.Count(CounterComponent.SystemA));
        var restore = sut.Persistence.GetStatus(CounterComponent.SystemA).Restore!;
        Assert.Equal(1, restore.Sequence);
        Assert.True(restore.FellBack);
        Assert.Equal(2, Assert.Single(restore.Skipped).Sequence);
        Assert.Contains(sut.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("older snapshot 1", StringComparison.Ordinal));
        Assert.True(Directory.Exists(Path.Combine(_dir.Store, CounterComponent.SystemA, ".quarantine")));
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_NewestSnapshotNotAdoptable_FallsBackToOlder()
    {
        await using (var first = TestHost.Create(_dir.Store, _time))
        {
            await first.Host.StartAsync(Ct);
            first.Counter.Increment(CounterComponent.SystemA);
            await first.Host.StopAsync(Ct);
            await first.Vault.SaveJsonAsync(CounterComponent.SystemA, """{"poison":true}"""u8.ToArray(), cancellationToken: Ct);
        }

        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);

        Assert.Equal(1, sut.Counter.Count(CounterComponent.SystemA));
        var restore = sut.Persistence.GetStatus(CounterComponent.SystemA).Restore!;
        Assert.Equal(1, restore.Sequence);
        Assert.Contains("could not be adopted", Assert.Single(restore.Skipped).Reason, StringComparison.Ordinal);
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_EverySnapshotCorrupt_StartsFromDefaultsAndReportsIt()
    {
        await using (var first = TestHost.Create(_dir.Store, _time))
        {
            await first.Host.StartAsync(Ct);
            first.Counter.Increment(CounterComponent.SystemA);
            await first.Host.StopAsync(Ct);
        }

        foreach (var file in Directory.GetFiles(Path.Combine(_dir.Store, CounterComponent.SystemA), "*.svsnap"))
        {
            await File.WriteAllTextAsync(file, "not a snapshot", Ct);
        }

        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);

        var restore = sut.Persistence.GetStatus(CounterComponent.SystemA).Restore!;
        Assert.True(restore.FromDefaults);
        Assert.True(restore.FellBack);
        Assert.Equal(0, sut.Counter.Count(CounterComponent.SystemA));
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task Restore_SavedJson_ReadsLikeTheStateWithSnakeCase()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);
        sut.Counter.Increment(CounterComponent.SystemA);
        await sut.Counter.SaveNowAsync(Ct);

        var file = Directory.GetFiles(Path.Combine(_dir.Store, CounterComponent.SystemA), "*.svsnap").Single();
        var text = await File.ReadAllTextAsync(file, Ct);
        Assert.EndsWith("""{"count":1}""", text.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal(JsonNode.Parse("""{"count":1}""")!.ToJsonString(), sut.Counter.CaptureState(CounterComponent.SystemA).ToJsonString());
        await sut.Host.StopAsync(Ct);
    }
}
