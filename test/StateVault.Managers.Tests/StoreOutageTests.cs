using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using StateVault.Hosting;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using StateVault.Storage;
using Xunit;

namespace StateVault.Managers.Tests;

public sealed class StoreOutageTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task StoreFailsForAWhile_ManagersKeepWorkingAndNewestStateIsStoredAfterRecovery()
    {
        var flaky = new FailingSystemsStore(FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = _dir.Store, Durable = false }));
        await using var host = ManagerHost.Create(_dir.Store, _time, services: s => s.AddSingleton<ISnapshotStore>(flaky));
        await host.Host.StartAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(3)); // the start-up changes (core registrations, dependency declarations) are saved
        await Eventually.TrueAsync(() => host.Persistence.GetStatuses().All(s => !s.Dirty), "start-up state saved");
        var alerts = host.Manager<GamingAlertsManager>();
        var thresholds = host.Manager<HealthThresholdsManager>();
        var health = host.Host.Services.GetRequiredService<HealthCheckService>();

        flaky.FailFor = _ => true;
        alerts.CheckPerformance("arena", new Dictionary<string, double> { ["frame_rate"] = 3 });
        thresholds.SetThreshold("cpu_usage", 60, 70);
        await Eventually.TrueAsync(
            () => host.Persistence.GetStatus(GamingAlertsManager.ManagerName).Pending && host.Persistence.GetStatus(HealthThresholdsManager.ManagerName).Pending,
            "both systems pending",
            between: () => _time.Advance(TimeSpan.FromSeconds(1)));

        // Managers keep working through the outage.
        var alert = alerts.GetActiveAlerts().Single();
        Assert.True(alerts.Acknowledge(alert.Id, "ops"));
        Assert.True(alerts.Resolve(alert.Id));
        Assert.Equal(HealthLevel.Critical, thresholds.Evaluate("cpu_usage", 75));
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync(Ct)).Status);

        flaky.FailFor = _ => false;
        await Eventually.TrueAsync(() => host.Persistence.GetStatuses().All(s => !s.Pending && !s.Dirty), "everything saved after recovery", between: () => _time.Advance(TimeSpan.FromSeconds(5)));

        var stored = await host.Vault.LoadLatestAsync<GamingAlertsState>(GamingAlertsManager.ManagerName, Ct);
        Assert.Empty(stored!.State.ActiveAlerts);
        Assert.Single(stored.State.AlertHistory);
        var storedThresholds = await host.Vault.LoadLatestAsync<HealthThresholdsState>(HealthThresholdsManager.ManagerName, Ct);
        Assert.Equal(HealthLevel.Critical, storedThresholds!.State.ValidationOperations[^1].Result);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Ct)).Entries[StateVaultHealthChecks.Store].Status);
        await host.Host.StopAsync(Ct);
    }
}
