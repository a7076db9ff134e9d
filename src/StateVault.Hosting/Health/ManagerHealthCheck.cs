using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace StateVault.Hosting.Health;

/// <summary>
/// One manager's health: Unhealthy when its status is <c>error</c>; Degraded when one of its systems holds a pending state,
/// lost a save to another writer (a conflict) and has not saved since, or the manager reports itself degraded (<see cref="IManagedHealth"/>); the restore outcome (fallbacks) is in the data.
/// </summary>
internal sealed class ManagerHealthCheck(IManagedComponent manager, IStatePersistence persistence) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["status"] = manager.Status };
        var status = HealthStatus.Healthy;
        var reasons = new List<string>();
        foreach (var system in manager.Systems)
        {
            var saved = persistence.GetStatus(system);
            if (saved.Restore is { } restore)
            {
                data[$"{system}.restored_sequence"] = restore.Sequence?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "defaults";
                if (restore.FellBack)
                {
                    data[$"{system}.fallback_skipped"] = string.Join(", ", restore.Skipped.Select(s => $"{s.Sequence}: {s.Reason}"));
                }
            }

            if (saved.Conflicts > 0)
            {
                // Another writer saved this system first (a second instance or a tool on the same store): reported, never hidden.
                data[$"{system}.save_conflicts"] = saved.Conflicts;
                data[$"{system}.last_conflict"] = saved.LastConflictUtc?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            }

            if (saved.ConflictOutstanding)
            {
                // Operations were refused with 409 since the last save that landed: degraded until this instance saves again.
                status = Worst(status, HealthStatus.Degraded);
                reasons.Add($"{system} lost a save to another writer (conflict at {saved.LastConflictUtc?.ToString("O", System.Globalization.CultureInfo.InvariantCulture)}); no save has landed since");
            }

            if (saved.Pending)
            {
                status = Worst(status, HealthStatus.Degraded);
                reasons.Add($"{system} has unsaved state ({saved.ConsecutiveFailures} failed save(s))");
            }
        }

        if (manager.Status == "error")
        {
            status = HealthStatus.Unhealthy;
            reasons.Add("status is error");
        }

        if (manager is IManagedHealth own)
        {
            var result = own.CheckHealth();
            status = Worst(status, result.Status);
            if (result.Status != HealthStatus.Healthy && result.Description is not null)
            {
                reasons.Add(result.Description);
            }

            foreach (var (key, value) in result.Data)
            {
                data[key] = value;
            }
        }

        var description = reasons.Count > 0 ? string.Join("; ", reasons) : $"{manager.Name} is {manager.Status}";
        return Task.FromResult(new HealthCheckResult(status, description, data: data));
    }

    private static HealthStatus Worst(HealthStatus a, HealthStatus b) => a < b ? a : b;
}
