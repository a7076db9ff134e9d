using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace StateVault.Hosting.Tests.Persistence;

/// <summary>Durable acknowledgement: <see cref="IStatePersistence.WaitDurableAsync"/> with group commit, failures and the bounded wait.</summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task WaitDurableAsync_FirstSaveHeldInFlight_AllConcurrentChangesAcknowledgedByAtMostTwoSaves()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = true;
        sut.Store.BeforeAppend = async (_, ct) =>
        {
            if (Interlocked.Exchange(ref first, false))
            {
                entered.TrySetResult();
                await release.Task.WaitAsync(ct);
            }
        };

        var head = sut.Counter.IncrementDurablyAsync(CounterComponent.SystemA, Ct);
        await entered.Task.WaitAsync(Ct);
        const int Others = 50;
        var rest = Enumerable.Range(0, Others)
            .Select(_ => Task.Run(() => sut.Counter.IncrementDurablyAsync(CounterComponent.SystemA, Ct), Ct))
            .ToList();
        await Eventually.TrueAsync(() => sut.Counter.Count(CounterComponent.SystemA) == Others + 1, "every change in memory");
        Assert.False(head.IsCompleted);
        Assert.All(rest, t => Assert.False(t.IsCompleted));

        release.SetResult();
        await Task.WhenAll(rest.Append(head));

        Assert.True(sut.Store.Appends <= 2, $"{Others + 1} durable changes took {sut.Store.Appends} saves");
        var saved = await sut.Vault.LoadLatestJsonAsync(CounterComponent.SystemA, Ct);
        Assert.Equal(Others + 1, JsonNode.Parse(saved!.Json.Span)!["count"]!.GetValue<int>());
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task WaitDurableAsync_Returns_SnapshotWithTheChangeIsStoredWithoutWaitingForTheDebounce()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);

        await sut.Counter.IncrementDurablyAsync(CounterComponent.SystemA, Ct);

        // No time passed on the clock: the debounce did not save it, the acknowledgement did.
        var saved = await sut.Vault.LoadLatestJsonAsync(CounterComponent.SystemA, Ct);
        Assert.Equal(1, JsonNode.Parse(saved!.Json.Span)!["count"]!.GetValue<int>());
        Assert.False(sut.Persistence.GetStatus(CounterComponent.SystemA).Dirty);
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task WaitDurableAsync_CleanSystem_ReturnsWithoutSaving()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);

        await sut.Persistence.WaitDurableAsync(sut.Counter, CounterComponent.SystemA, Ct);

        Assert.Equal(0, sut.Store.Appends);
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task WaitDurableAsync_StoreFails_FailsWithTheStoreErrorKeepsChangePendingAndRetriesInBackground()
    {
        await using var sut = TestHost.Create(_dir.Store, _time);
        await sut.Host.StartAsync(Ct);
        sut.Store.FailFor = _ => true;

        var error = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.Counter.IncrementDurablyAsync(CounterComponent.SystemA, Ct));

        Assert.Contains("simulated outage", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
        Assert.Equal(1, sut.Counter.Count(CounterComponent.SystemA)); // reads keep working, and show the unacknowledged change
        Assert.True(sut.Persistence.GetStatus(CounterComponent.SystemA).Pending);
        var report = await sut.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Degraded, report.Entries[StateVaultHealthChecks.Store].Status);

        sut.Store.FailFor = _ => false;
        await Eventually.TrueAsync(() => !sut.Persistence.GetStatus(CounterComponent.SystemA).Pending, "the pending change stored by the background retry", between: () => _time.Advance(TimeSpan.FromSeconds(5)));
        var saved = await sut.Vault.LoadLatestJsonAsync(CounterComponent.SystemA, Ct);
        Assert.Equal(1, JsonNode.Parse(saved!.Json.Span)!["count"]!.GetValue<int>());
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task WaitDurableAsync_StoreHangs_FailsFastAfterDurableAckTimeout()
    {
        await using var sut = TestHost.Create(_dir.Store, _time, o => o.DurableAckTimeout = TimeSpan.FromSeconds(3));
        await sut.Host.StartAsync(Ct);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sut.Store.BeforeAppend = (_, ct) => release.Task.WaitAsync(ct);

        var pending = sut.Counter.IncrementDurablyAsync(CounterComponent.SystemA, Ct);
        _time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.False(pending.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.2));

        var error = await Assert.ThrowsAsync<SnapshotStoreException>(() => pending);
        Assert.True(error.IsTransient);
        Assert.Contains("not acknowledged", error.Message, StringComparison.Ordinal);
        release.SetResult();
        await Eventually.TrueAsync(() => !sut.Persistence.GetStatus(CounterComponent.SystemA).Dirty, "the late save lands");
        await sut.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task WaitDurableAsync_Deferred_ReturnsAtOnceAndTheDebouncedAutosaveStoresIt()
    {
        await using var sut = TestHost.Create(_dir.Store, _time, o => o.Durability = StateVaultDurability.Deferred);
        await sut.Host.StartAsync(Ct);

        await sut.Counter.IncrementDurablyAsync(CounterComponent.SystemA, Ct);

        Assert.True(sut.Persistence.GetStatus(CounterComponent.SystemA).Dirty);
        Assert.Equal(0, sut.Store.Appends);
        _time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => !sut.Persistence.GetStatus(CounterComponent.SystemA).Dirty, "the debounced save");
        Assert.Equal(1, sut.Store.Appends);
        await sut.Host.StopAsync(Ct);
    }
}
