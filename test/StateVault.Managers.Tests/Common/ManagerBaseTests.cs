using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StateVault.Hosting;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using Xunit;

namespace StateVault.Managers.Tests.Common;

public sealed class ManagerBaseTests : ManagerTestBase
{
    internal override void Configure(ManagerOptions options)
    {
        options.HeartbeatInterval = TimeSpan.FromSeconds(30);
        options.IdleAfter = TimeSpan.FromMinutes(2);
        options.OperationHistoryLimit = 4;
    }

    [Fact]
    public void Heartbeat_ClockAdvances_RunsAndGoesIdleWithoutOperations()
    {
        var sut = Host.Manager<GamingAlertsManager>();
        var statuses = new List<ManagerStatus>();
        sut.StatusChanged += (_, e) => statuses.Add(e.Current);

        Time.Advance(TimeSpan.FromSeconds(30));
        Time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(2, sut.GetMetrics().Heartbeats);
        Assert.Equal(Time.GetUtcNow(), sut.GetMetrics().LastHeartbeatUtc);
        Assert.Equal(TimeSpan.FromMinutes(1), sut.GetMetrics().Uptime);
        Assert.Equal("online", sut.Status);

        Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal("idle", sut.Status);

        sut.GetSummary();
        sut.CheckPerformance("arena", new Dictionary<string, double> { ["frame_rate"] = 1 });
        Assert.Equal("online", sut.Status);
        Assert.Equal([ManagerStatus.Idle, ManagerStatus.Online], statuses);
    }

    [Fact]
    public void Run_FailingAndSucceedingOperations_MetricsHistoryAndEvents()
    {
        var sut = Host.Manager<HealthThresholdsManager>();
        var completed = new List<OperationRecord>();
        sut.OperationCompleted += (_, e) => completed.Add(e.Record);

        sut.Evaluate("cpu_usage", 1);
        Assert.Throws<ArgumentException>(() => sut.SetThreshold("cpu_usage", 99, 1));
        for (var i = 0; i < 4; i++)
        {
            sut.Evaluate("cpu_usage", i);
        }

        var metrics = sut.GetMetrics();
        Assert.Equal(6, metrics.OperationsProcessed);
        Assert.Equal(1, metrics.Errors);
        Assert.Equal(100, metrics.PerformanceScore); // the failure fell out of the 4-entry history window
        Assert.Equal(4, sut.GetOperationHistory().Count);
        Assert.Equal(6, completed.Count);
        Assert.Equal("ArgumentException", completed[1].Error);
        Assert.Equal(completed.Count, completed.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public async Task Health_HeartbeatStale_Degraded()
    {
        var sut = Host.Manager<HealthThresholdsManager>();
        var health = Host.Host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Ct)).Entries[StateVaultHealthChecks.ManagerPrefix + sut.Name].Status);

        // Stop the heartbeat but pretend the manager is still online: after 3 intervals without one, it is reported.
        await sut.StopWorkAsync(Ct);
        await sut.StartWorkAsync(Ct);
        sut.Dispose();
        Time.Advance(TimeSpan.FromMinutes(2));

        var entry = (await health.CheckHealthAsync(Ct)).Entries[StateVaultHealthChecks.ManagerPrefix + sut.Name];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("no heartbeat", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void SetMaintenance_OnAndOff_StatusFollows()
    {
        var sut = Host.Manager<GamingAlertsManager>();

        sut.SetMaintenance(true);
        Assert.Equal("maintenance", sut.Status);
        sut.SetMaintenance(false);
        Assert.Equal("online", sut.Status);
    }
}
