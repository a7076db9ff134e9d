using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace StateVault.Hosting.Tests.Persistence;

public sealed class AutosaveCoordinatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task MarkChanged_QuietPeriodElapses_SavesOnceAfterDebounce()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);

        sut.Counter.Increment(CounterComponent.SystemA);
        _time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(0, await sut.Vault.GetLatestSequenceAsync(CounterComponent.SystemA, Ct));
        Assert.True(sut.Persistence.GetStatus(CounterComponent.SystemA).Dirty);

        _time.Advance(TimeSpan.FromSeconds(0.2));
        await Eventually.TrueAsync(() => !sut.Persistence.GetStatus(CounterComponent.SystemA).Dirty, "the debounced save");
        Assert.Equal(1, await sut.Vault.GetLatestSequenceAsync(CounterComponent.SystemA, Ct));
        Assert.Equal(0, await sut.Vault.GetLatestSequenceAsync(CounterComponent.SystemB, Ct));
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task MarkChanged_ChangesKeepComing_SavesAtMaxInterval()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);

        // A change every second never leaves a 2 s quiet period; the 30 s ceiling must still save.
        for (var second = 0; second < 29; second++)
        {
            sut.Counter.Increment(CounterComponent.SystemA);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(0, await sut.Vault.GetLatestSequenceAsync(CounterComponent.SystemA, Ct));
        sut.Counter.Increment(CounterComponent.SystemA);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => sut.Persistence.GetStatus(CounterComponent.SystemA).LastSavedSequence == 1, "the save at the max interval");
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task StopAsync_DirtySystem_SavesItBeforeExit()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);
        sut.Counter.Increment(CounterComponent.SystemB);
        sut.Counter.Increment(CounterComponent.SystemB);

        await sut.Host.StopAsync(Ct);

        var saved = await sut.Vault.LoadLatestJsonAsync(CounterComponent.SystemB, Ct);
        Assert.NotNull(saved);
        Assert.Equal(2, JsonNode.Parse(saved.Json.Span)!["count"]!.GetValue<int>());
        Assert.True(sut.Counter.Stopped);
    }

    [Fact]
    public async Task SaveNowAsync_DirtySystem_AcknowledgedWhenItReturns()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);
        sut.Counter.Increment(CounterComponent.SystemA);

        await sut.Counter.SaveNowAsync(Ct);

        Assert.Equal(1, await sut.Vault.GetLatestSequenceAsync(CounterComponent.SystemA, Ct));
        Assert.False(sut.Persistence.GetStatus(CounterComponent.SystemA).Dirty);

        // Nothing changed since: no further snapshot.
        await sut.Counter.SaveNowAsync(Ct);
        Assert.Equal(1, await sut.Vault.GetLatestSequenceAsync(CounterComponent.SystemA, Ct));
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task StateChanged_ChangeAndSave_RaisedForBoth()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);
        var events = new List<string>();
        sut.Host.Services.GetRequiredService<IManagerRegistry>().StateChanged += (_, e) =>
        {
            lock (events)
            {
                events.Add($"{e.Name}/{e.System}");
            }
        };

        sut.Counter.Increment(CounterComponent.SystemA);
        await sut.Counter.SaveNowAsync(Ct);

        lock (events)
        {
            Assert.Equal(["counter/counter_a", "counter/counter_a"], events);
        }

        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task StoreOutage_ManagersKeepWorking_HealthDegradedThenNewestStateStored()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);
        var health = sut.Host.Services.GetRequiredService<HealthCheckService>();
        sut.Store.FailFor = _ => true;

        sut.Counter.Increment(CounterComponent.SystemA);
        _time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => sut.Persistence.GetStatus(CounterComponent.SystemA).Pending, "a pending state after the failed save");

        // The manager keeps working during the outage, and retries keep failing (backoff on the fake clock).
        for (var i = 0; i < 5; i++)
        {
            sut.Counter.Increment(CounterComponent.SystemA);
        }

        await Eventually.TrueAsync(() => sut.Store.FailedAppends >= 3, "retries with backoff", between: () => _time.Advance(TimeSpan.FromSeconds(1)));
        var report = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Degraded, report.Entries[StateVaultHealthChecks.Store].Status);
        Assert.Equal(HealthStatus.Degraded, report.Entries[StateVaultHealthChecks.ManagerPrefix + "counter"].Status);
        Assert.Null(sut.Persistence.GetStatus(CounterComponent.SystemA).LastSavedSequence);
        Assert.Equal(6, sut.Counter.Count(CounterComponent.SystemA));

        sut.Store.FailFor = _ => false;
        await Eventually.TrueAsync(() => !sut.Persistence.GetStatus(CounterComponent.SystemA).Pending, "the pending state saved after recovery", between: () => _time.Advance(TimeSpan.FromSeconds(5)));

        var saved = await sut.Vault.LoadLatestJsonAsync(CounterComponent.SystemA, Ct);
        Assert.Equal(6, JsonNode.Parse(saved!.Json.Span)!["count"]!.GetValue<int>());
        report = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Healthy, report.Entries[StateVaultHealthChecks.Store].Status);
        Assert.Equal(HealthStatus.Healthy, report.Entries[StateVaultHealthChecks.ManagerPrefix + "counter"].Status);
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task StoreOutage_OtherSystemSavesMeanwhile_PendingStateIsNotDropped()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);
        sut.Store.FailFor = system => system == CounterComponent.SystemA;

        sut.Counter.Increment(CounterComponent.SystemA);
        sut.Counter.Increment(CounterComponent.SystemB);
        _time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(
            () => sut.Persistence.GetStatus(CounterComponent.SystemA).Pending && sut.Persistence.GetStatus(CounterComponent.SystemB).LastSavedSequence == 1,
            "A pending while B saved");

        // B succeeds again and again; A's pending state stays.
        sut.Counter.Increment(CounterComponent.SystemB);
        await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.Counter.SaveNowAsync(Ct)); // A fails, B is saved
        Assert.Equal(2, await sut.Vault.GetLatestSequenceAsync(CounterComponent.SystemB, Ct));
        Assert.True(sut.Persistence.GetStatus(CounterComponent.SystemA).Pending);

        sut.Store.FailFor = _ => false;
        await Eventually.TrueAsync(() => !sut.Persistence.GetStatus(CounterComponent.SystemA).Pending, "A saved after recovery", between: () => _time.Advance(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, await sut.Vault.GetLatestSequenceAsync(CounterComponent.SystemA, Ct));
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task SaveNowAsync_StoreDown_ThrowsAndKeepsStatePending()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);
        sut.Store.FailFor = _ => true;
        sut.Counter.Increment(CounterComponent.SystemA);

        await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.Counter.SaveNowAsync(Ct));

        var status = sut.Persistence.GetStatus(CounterComponent.SystemA);
        Assert.True(status.Pending);
        Assert.True(status.Dirty);
        Assert.Contains("simulated outage", status.LastError, StringComparison.Ordinal);
        sut.Store.FailFor = _ => false;
        await sut.Counter.SaveNowAsync(Ct);
        Assert.False(sut.Persistence.GetStatus(CounterComponent.SystemA).Pending);
        await sut.Host.StopAsync(Ct);
    }
}
