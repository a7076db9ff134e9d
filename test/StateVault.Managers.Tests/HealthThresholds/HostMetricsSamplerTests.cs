using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using StateVault.Managers.HealthThresholds;
using Xunit;

namespace StateVault.Managers.Tests.HealthThresholds;

public sealed class HostMetricsSamplerTests : ManagerTestBase
{
    [Fact]
    public async Task SampleAndRecord_AfterSaves_FeedsCpuMemoryLatencyAndErrorRate()
    {
        var thresholds = Host.Manager<HealthThresholdsManager>();
        Time.Advance(TimeSpan.FromSeconds(3)); // the start-up changes of the other managers are autosaved first
        await Eventually.TrueAsync(() => Host.Persistence.GetStatuses().All(s => !s.Dirty), "start-up state saved");
        using var sut = new HostMetricsSampler(thresholds, Time, Host.Host.Services.GetRequiredService<IMeterFactory>());
        thresholds.SetThreshold("cpu_usage", 80, 90);
        await thresholds.SaveNowAsync(Ct);
        thresholds.SetThreshold("cpu_usage", 81, 90);
        await thresholds.SaveNowAsync(Ct);
        Time.Advance(TimeSpan.FromSeconds(1));

        var values = sut.SampleAndRecord();

        Assert.Equal(["cpu_usage", "error_rate", "memory_usage", "response_time"], values.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0, values["error_rate"]);
        Assert.InRange(values["response_time"], 0, 10_000); // the vault times saves on the (fake) clock of the host
        Assert.InRange(values["memory_usage"], 0.001, 100);
        Assert.Equal(values["memory_usage"], thresholds.LatestSamples["memory_usage"].Value);

        // The counters restart with each sample: no saves since (1 s is within the autosave quiet period), no latency figure.
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain("response_time", sut.SampleAndRecord().Keys);
    }
}

public sealed class HostMetricsSamplingServiceTests : ManagerTestBase
{
    internal override void ConfigureServices(IServiceCollection services) =>
        services.AddStateVault().AddHostMetricsSampling(TimeSpan.FromSeconds(15));

    [Fact]
    public void AddHostMetricsSampling_IntervalElapses_ThresholdsGetHostSamples()
    {
        var thresholds = Host.Manager<HealthThresholdsManager>();
        Assert.Empty(thresholds.LatestSamples);

        Time.Advance(TimeSpan.FromSeconds(15));

        Assert.Contains("cpu_usage", thresholds.LatestSamples.Keys);
        Assert.Contains("memory_usage", thresholds.LatestSamples.Keys);
    }
}
