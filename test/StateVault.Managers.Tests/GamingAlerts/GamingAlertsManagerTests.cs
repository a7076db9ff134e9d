using StateVault.Managers.GamingAlerts;
using Xunit;

namespace StateVault.Managers.Tests.GamingAlerts;

public sealed class GamingAlertsManagerTests : ManagerTestBase
{
    private GamingAlertsManager Sut => Host.Manager<GamingAlertsManager>();

    private static Dictionary<string, double> Sample(string metric, double value) => new() { [metric] = value };

    [Theory]
    [InlineData("frame_rate", 60, null)]
    [InlineData("frame_rate", 29, AlertSeverity.Medium)]
    [InlineData("frame_rate", 14, AlertSeverity.High)]
    [InlineData("frame_rate", 4, AlertSeverity.Critical)]
    [InlineData("system_health", 50, AlertSeverity.High)]
    [InlineData("response_time", 150, AlertSeverity.Medium)]
    [InlineData("response_time", 600, AlertSeverity.Critical)]
    [InlineData("memory_usage", 5000, AlertSeverity.High)]
    [InlineData("memory_usage", 1000, null)]
    public void CheckPerformance_Value_SeverityByDirection(string metric, double value, AlertSeverity? expected)
    {
        var alerts = Sut.CheckPerformance("arena", Sample(metric, value));

        Assert.Equal(expected, alerts.SingleOrDefault()?.Severity);
    }

    [Fact]
    public void CheckPerformance_SameSystemAndMetricTwice_UpdatesTheOneOpenAlert()
    {
        var first = Sut.CheckPerformance("arena", Sample("frame_rate", 25)).Single();
        Time.Advance(TimeSpan.FromSeconds(30));

        var second = Sut.CheckPerformance("arena", Sample("frame_rate", 3)).Single();

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(AlertSeverity.Critical, second.Severity);
        Assert.Equal(2, second.Occurrences);
        Assert.Single(Sut.State.ActiveAlerts);
        Assert.Equal(1, Sut.State.Counters.Created);
        Assert.Equal(1, Sut.State.Counters.Updated);
        Sut.CheckPerformance("lobby", Sample("frame_rate", 3));
        Assert.Equal(2, Sut.GetActiveAlerts(severity: AlertSeverity.Critical).Count);
        Assert.Single(Sut.GetActiveAlerts("lobby"));
    }

    [Fact]
    public void Resolve_Twice_MovedToHistoryOnce()
    {
        var alert = Sut.CheckPerformance("arena", Sample("response_time", 300)).Single();
        Assert.True(Sut.Acknowledge(alert.Id, "ops"));

        Assert.True(Sut.Resolve(alert.Id));
        Assert.False(Sut.Resolve(alert.Id));

        var resolved = Assert.Single(Sut.State.AlertHistory);
        Assert.Equal(AlertStatus.Resolved, resolved.Status);
        Assert.Equal("ops", resolved.AcknowledgedBy);
        Assert.Empty(Sut.State.ActiveAlerts);
        Assert.Equal(1, Sut.State.Counters.Resolved);
        Assert.Equal(1, Sut.ClearResolved());
        Assert.Empty(Sut.State.AlertHistory);
        Assert.Equal(1, Sut.State.Counters.Cleared);
    }

    [Fact]
    public void FindStaleAlerts_OverADayOld_StaleEvenWhenTheSecondsPartIsSmall()
    {
        // The original compared timedelta.seconds (which wraps every day): an alert 1 day and 10 s old looked 10 s old.
        var alert = Sut.CheckPerformance("arena", Sample("frame_rate", 10)).Single();
        Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(10));
        var fresh = Sut.CheckPerformance("lobby", Sample("frame_rate", 10)).Single();

        var stale = Sut.FindStaleAlerts(TimeSpan.FromMinutes(15));

        Assert.Equal([alert.Id], stale.Select(a => a.Id));
        Assert.DoesNotContain(fresh.Id, stale.Select(a => a.Id));
        Assert.Equal(1, Sut.GetSummary().Stale);
    }

    [Fact]
    public void GetSummary_OpenAlerts_GroupedBySeverityTypeAndSystem()
    {
        Sut.CheckPerformance("arena", new Dictionary<string, double> { ["frame_rate"] = 3, ["memory_usage"] = 9000, ["response_time"] = 150 });
        Sut.CheckPerformance("lobby", Sample("system_health", 70));

        var summary = Sut.GetSummary();

        Assert.Equal(4, summary.Open);
        Assert.Equal(2, summary.BySeverity["critical"]);
        Assert.Equal(2, summary.BySeverity["medium"]);
        Assert.Equal(3, summary.BySystem["arena"]);
        Assert.Equal(1, summary.ByType["Resource"]);
    }

    [Fact]
    public void SetThreshold_LevelsOutOfOrder_Throws() =>
        Assert.Throws<ArgumentException>(() => Sut.SetThreshold(new GamingThreshold { Metric = "ping", Comparison = ThresholdComparison.Above, Medium = 100, High = 50, Critical = 200 }));
}
