using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StateVault.Hosting;

namespace StateVault.Server.Hosting;

/// <summary>
/// Whether this instance should get traffic (<c>/health/ready</c>): every manager's system has been restored, the store
/// answers a cheap probe, and no system has held a change the store has not acknowledged for longer than
/// <see cref="ReadinessOptions.MaxPendingAge"/>. Unhealthy (so 503) otherwise. A short outage is ridden out: the managers
/// keep serving and the background retry stores the pending change.
/// </summary>
internal sealed class ReadinessHealthCheck(
    SnapshotVault vault,
    IManagerRegistry managers,
    IStatePersistence persistence,
    IOptions<StateVaultServerOptions> options,
    IOptions<StateVaultHostingOptions> hosting,
    TimeProvider time) : IHealthCheck
{
    /// <summary>The check's name.</summary>
    public const string Name = "statevault:ready";

    /// <summary>The tag <c>/health/ready</c> selects (and <c>/health</c> leaves out: its Degraded is not a 503).</summary>
    public const string Tag = "ready";

    /// <summary>
    /// The system the probe asks for its latest sequence: a name no manager owns, so a store that fails only one system's
    /// writes (a full partition, a lock) does not read as an unreachable store.
    /// </summary>
    internal const string ProbeSystem = "statevault_readiness_probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var systems = managers.Managers.SelectMany(m => m.Systems).Select(persistence.GetStatus).ToList();
        var data = new Dictionary<string, object>();
        var notRestored = systems.Where(s => s.Restore is null).Select(s => s.System).ToList();
        if (notRestored.Count > 0)
        {
            data["not_restored"] = notRestored;
            return HealthCheckResult.Unhealthy($"Not restored yet: {string.Join(", ", notRestored)}.", data: data);
        }

        var now = time.GetUtcNow();
        var maxAge = options.Value.Readiness.MaxPendingAge;
        var late = systems.Where(s => s.Pending && s.PendingSinceUtc is { } since && now - since >= maxAge).ToList();
        if (late.Count > 0)
        {
            data["pending_systems"] = late.Select(s => s.System).ToList();
            data["pending_since"] = late.Min(s => s.PendingSinceUtc)!.Value.ToString("O", CultureInfo.InvariantCulture);
            return HealthCheckResult.Unhealthy(
                $"{late.Count} system(s) hold a change the store has not acknowledged for {maxAge.TotalSeconds:0.#} s or more ({string.Join(", ", late.Select(s => s.System))}); last error: {late[0].LastError}",
                data: data);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(hosting.Value.HealthProbeTimeout);
        try
        {
            await vault.Store.GetLatestSequenceAsync(ProbeSystem, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StateVaultException or IOException or UnauthorizedAccessException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The {vault.Store.Kind} store did not answer: {ex.GetType().Name}: {ex.Message}", data: data);
        }

        return HealthCheckResult.Healthy($"Restored; the {vault.Store.Kind} store answers; no change pending for {maxAge.TotalSeconds:0.#} s or more.", data);
    }
}
