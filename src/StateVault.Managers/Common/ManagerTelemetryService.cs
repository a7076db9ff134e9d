using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using StateVault.Diagnostics;
using StateVault.Hosting;
using StateVault.Managers.Dependencies;
using StateVault.Managers.HealthThresholds;

namespace StateVault.Managers;

/// <summary>
/// Exports the managers' telemetry on the <c>StateVault</c> meter (so <c>/metrics</c> shows it): uptime and heartbeats per manager,
/// dependency cache hits and misses, and the latest host-metric samples. Telemetry lives in memory only; it is never part of a
/// snapshot, so it never makes a server write.
/// </summary>
internal sealed class ManagerTelemetryService(IManagerRegistry registry, IMeterFactory meterFactory) : IHostedService
{
    private Meter? _meter;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _meter = meterFactory.Create(StateVaultMetrics.MeterName);
        _meter.CreateObservableGauge("statevault.manager.uptime", () => Managers().Select(m => new Measurement<double>(m.GetMetrics().Uptime.TotalSeconds, Tag("manager", m.Name))), unit: "s", description: "Time since each manager started its work.");
        _meter.CreateObservableCounter("statevault.manager.heartbeats", () => Managers().Select(m => new Measurement<long>(m.GetMetrics().Heartbeats, Tag("manager", m.Name))), unit: "{heartbeat}", description: "Heartbeats of each manager since it started.");
        _meter.CreateObservableCounter("statevault.dependencies.cache.hits", () => Find<DependenciesManager>() is { } d ? [new Measurement<long>(d.CacheCounters.Hits)] : Array.Empty<Measurement<long>>(), unit: "{check}", description: "Dependency checks answered from the cache.");
        _meter.CreateObservableCounter("statevault.dependencies.cache.misses", () => Find<DependenciesManager>() is { } d ? [new Measurement<long>(d.CacheCounters.Misses)] : Array.Empty<Measurement<long>>(), unit: "{check}", description: "Dependency checks that had to run.");
        _meter.CreateObservableGauge(
            "statevault.health.sample",
            () => Find<HealthThresholdsManager>() is { } h
                ? h.LatestSamples.Values.Select(s => new Measurement<double>(s.Value, Tag("metric", s.Metric), Tag("level", s.Level.ToString().ToLowerInvariant())))
                : [],
            description: "The latest sample of each host metric fed to the health thresholds manager.");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    private IEnumerable<ManagerBase> Managers() => registry.Managers.OfType<ManagerBase>();

    private T? Find<T>() where T : ManagerBase => registry.Managers.OfType<T>().FirstOrDefault();
}
