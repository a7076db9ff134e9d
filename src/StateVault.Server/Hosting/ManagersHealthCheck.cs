using Microsoft.Extensions.Diagnostics.HealthChecks;
using StateVault.Hosting;
using StateVault.Server.Api;

namespace StateVault.Server.Hosting;

/// <summary>Degraded while a manager is starting, recovering or in maintenance; unhealthy while one is in error.</summary>
internal sealed class ManagersHealthCheck(IManagerRegistry managers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var byHealth = managers.Managers.GroupBy(m => ManagerEndpoints.HealthOf(m.Status)).ToDictionary(g => g.Key, g => g.Select(m => m.Name).ToList());
        var data = managers.Managers.ToDictionary(m => m.Name, m => (object)m.Status);
        if (byHealth.TryGetValue("unhealthy", out var unhealthy))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Managers not running: {string.Join(", ", unhealthy)}.", data: data));
        }

        if (byHealth.TryGetValue("degraded", out var degraded))
        {
            return Task.FromResult(HealthCheckResult.Degraded($"Managers not ready: {string.Join(", ", degraded)}.", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy($"{managers.Managers.Count} manager(s) running.", data));
    }
}
