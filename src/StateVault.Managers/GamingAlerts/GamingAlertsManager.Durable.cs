namespace StateVault.Managers.GamingAlerts;

/// <content>The durable variants of the operations: each returns once its change is in a durable snapshot.</content>
public sealed partial class GamingAlertsManager
{
    /// <summary><see cref="SetThreshold"/>, acknowledged once durable.</summary>
    public Task<GamingThreshold> SetThresholdAsync(GamingThreshold threshold, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => SetThreshold(threshold), cancellationToken);

    /// <summary><see cref="CheckPerformance"/>, acknowledged once the alerts it raised or updated are durable.</summary>
    public Task<IReadOnlyList<GamingAlert>> CheckPerformanceAsync(string gameSystem, IReadOnlyDictionary<string, double> sample, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => CheckPerformance(gameSystem, sample), cancellationToken);

    /// <summary><see cref="Acknowledge"/>, acknowledged once durable.</summary>
    public Task<bool> AcknowledgeAsync(string alertId, string acknowledgedBy, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => Acknowledge(alertId, acknowledgedBy), cancellationToken);

    /// <summary><see cref="Resolve"/>, acknowledged once durable.</summary>
    public Task<bool> ResolveAsync(string alertId, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => Resolve(alertId), cancellationToken);

    /// <summary><see cref="ClearResolved"/>, acknowledged once durable.</summary>
    public Task<int> ClearResolvedAsync(CancellationToken cancellationToken = default) =>
        RunDurableAsync(ClearResolved, cancellationToken);
}
