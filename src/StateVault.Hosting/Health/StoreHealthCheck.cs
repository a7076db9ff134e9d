using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StateVault.Hosting.Persistence;

namespace StateVault.Hosting.Health;

/// <summary>
/// The store's health: Degraded while any system holds a pending state the store has not acknowledged, or while the store
/// does not answer a cheap probe; Healthy otherwise. Never Unhealthy: the managers keep running through an outage.
/// </summary>
internal sealed class StoreHealthCheck(
    SnapshotVault vault,
    AutosaveCoordinator coordinator,
    IManagerRegistry registry,
    IOptions<StateVaultHostingOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var statuses = coordinator.GetStatuses();
        var pending = statuses.Where(s => s.Pending).ToList();
        var data = new Dictionary<string, object>
        {
            ["store"] = vault.Store.Kind,
            ["pending_systems"] = pending.Select(s => s.System).ToArray(),
            ["dirty_systems"] = statuses.Where(s => s.Dirty).Select(s => s.System).ToArray(),
        };
        if (pending.Count > 0)
        {
            var oldest = pending.Min(s => s.PendingSinceUtc);
            data["pending_since"] = oldest?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            return HealthCheckResult.Degraded(
                $"{pending.Count} system(s) hold unsaved state waiting for the store ({string.Join(", ", pending.Select(s => s.System))}); last error: {pending[0].LastError}",
                data: data);
        }

        var probe = registry.Managers.SelectMany(m => m.Systems).FirstOrDefault() ?? "statevault";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.HealthProbeTimeout);
        try
        {
            await vault.Store.GetLatestSequenceAsync(probe, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StateVaultException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded($"The {vault.Store.Kind} store did not answer: {ex.GetType().Name}: {ex.Message}", data: data);
        }

        return HealthCheckResult.Healthy($"The {vault.Store.Kind} store answers and no state is pending.", data);
    }
}
