using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace StateVault.Managers.HealthThresholds;

/// <summary>Feeds the host's own figures to the health thresholds manager on a timer (see <see cref="HostMetricsSampler"/>).</summary>
internal sealed class HostMetricsSamplingService(
    HealthThresholdsManager thresholds,
    TimeProvider timeProvider,
    IMeterFactory? meterFactory,
    TimeSpan interval,
    ILogger<HostMetricsSamplingService> logger) : IHostedService, IDisposable
{
    private HostMetricsSampler? _sampler;
    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _sampler = new HostMetricsSampler(thresholds, timeProvider, meterFactory);
        _timer = timeProvider.CreateTimer(_ => Sample(), null, interval, interval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timer = null;
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _sampler?.Dispose();
    }

    private void Sample()
    {
        try
        {
            _sampler?.SampleAndRecord();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ManagersLog.HeartbeatFailed(logger, "host_metrics", ex);
        }
    }
}
