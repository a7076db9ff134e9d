using StateVault.Managers.HealthThresholds;
using Xunit;

namespace StateVault.Managers.Tests.HealthThresholds;

public sealed class HealthThresholdsManagerTests : ManagerTestBase
{
    private HealthThresholdsManager Sut => Host.Manager<HealthThresholdsManager>();

    internal override void Configure(ManagerOptions options) => options.HistoryLimit = 5;

    [Theory]
    [InlineData("task_completion_rate", 95, HealthLevel.Good)]
    [InlineData("task_completion_rate", 90, HealthLevel.Warning)]
    [InlineData("task_completion_rate", 80, HealthLevel.Warning)]
    [InlineData("task_completion_rate", 75, HealthLevel.Critical)]
    [InlineData("task_completion_rate", 50, HealthLevel.Critical)]
    [InlineData("contract_success_rate", 95, HealthLevel.Good)]
    [InlineData("contract_success_rate", 80, HealthLevel.Warning)]
    [InlineData("contract_success_rate", 50, HealthLevel.Critical)]
    public void Evaluate_LowerIsWorseRate_HighIsGoodAndLowIsCritical(string metric, double value, HealthLevel expected)
    {
        // The original had these inverted: 95 % completion was "critical".
        Assert.Equal(expected, Sut.Evaluate(metric, value));
    }

    [Theory]
    [InlineData("response_time", 200, HealthLevel.Good)]
    [InlineData("response_time", 1000, HealthLevel.Warning)]
    [InlineData("response_time", 6000, HealthLevel.Critical)]
    [InlineData("memory_usage", 79.9, HealthLevel.Good)]
    [InlineData("memory_usage", 96, HealthLevel.Critical)]
    [InlineData("cpu_usage", 90, HealthLevel.Warning)]
    [InlineData("error_rate", 16, HealthLevel.Critical)]
    [InlineData("heartbeat_frequency", 150, HealthLevel.Warning)]
    [InlineData("communication_latency", 2500, HealthLevel.Critical)]
    public void Evaluate_HigherIsWorse_ThresholdsFromTheIssue(string metric, double value, HealthLevel expected) =>
        Assert.Equal(expected, Sut.Evaluate(metric, value));

    [Theory]
    [InlineData("no_such_metric", 1)]
    [InlineData("cpu_usage", double.NaN)]
    [InlineData("cpu_usage", double.PositiveInfinity)]
    public void Evaluate_UnknownMetricOrNotANumber_Unknown(string metric, double value) =>
        Assert.Equal(HealthLevel.Unknown, Sut.Evaluate(metric, value));

    [Fact]
    public void SetThreshold_OrderWrongForDirection_ThrowsAndKeepsState()
    {
        var before = Sut.GetThreshold("task_completion_rate");

        Assert.Throws<ArgumentException>(() => Sut.SetThreshold("task_completion_rate", 70, 90));
        Assert.Throws<ArgumentException>(() => Sut.SetThreshold("cpu_usage", 95, 85));

        Assert.Same(before, Sut.GetThreshold("task_completion_rate"));
        Assert.Equal(2, Sut.GetMetrics().Errors);
        Assert.False(Sut.GetOperationHistory()[^1].Succeeded);
    }

    [Fact]
    public void SetThreshold_NewLowerIsWorseMetric_EvaluatedThatWay()
    {
        var threshold = Sut.SetThreshold("cache_hit_rate", 80, 50, ThresholdDirection.LowerIsWorse, "%");

        Assert.True(threshold.Custom);
        Assert.Equal(HealthLevel.Good, Sut.Evaluate("cache_hit_rate", 99));
        Assert.Equal(HealthLevel.Critical, Sut.Evaluate("cache_hit_rate", 10));
        var change = Sut.State.ConfigurationChanges[^1];
        Assert.Null(change.Previous);
        Assert.Equal("cache_hit_rate", change.Current!.Metric);
    }

    [Fact]
    public void RemoveThreshold_Existing_RecordedAndThenUnknown()
    {
        Assert.True(Sut.RemoveThreshold("cpu_usage"));
        Assert.False(Sut.RemoveThreshold("cpu_usage"));

        Assert.Equal(HealthLevel.Unknown, Sut.Evaluate("cpu_usage", 99));
        Assert.Equal("remove", Sut.State.ThresholdOperations[^1].Operation);
        Assert.Null(Sut.State.ConfigurationChanges[^1].Current);
    }

    [Fact]
    public void Evaluate_ManyTimes_ValidationHistoryBounded()
    {
        for (var i = 0; i < 12; i++)
        {
            Sut.Evaluate("cpu_usage", i);
        }

        Assert.Equal(5, Sut.State.ValidationOperations.Count);
        Assert.Equal(11, Sut.State.ValidationOperations[^1].Value);
    }

    [Fact]
    public void RecordSample_HostMetric_KeptAsLatestAndInSummary()
    {
        Sut.RecordSample("memory_usage", 97);
        Sut.RecordSample("cpu_usage", 10);

        Assert.Equal(HealthLevel.Critical, Sut.LatestSamples["memory_usage"].Level);
        Assert.Equal(1, Sut.Summary["critical_metrics"]);
        Assert.Equal(8, Sut.Summary["thresholds"]);
    }
}
