namespace StateVault.Managers.HealthThresholds;

/// <content>The durable variants of the operations: each returns once its change is in a durable snapshot.</content>
public sealed partial class HealthThresholdsManager
{
    /// <summary><see cref="SetThreshold"/>, acknowledged once durable.</summary>
    public Task<MetricThreshold> SetThresholdAsync(string metric, double warning, double critical, ThresholdDirection? direction = null, string? unit = null, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => SetThreshold(metric, warning, critical, direction, unit), cancellationToken);

    /// <summary><see cref="RemoveThreshold"/>, acknowledged once durable.</summary>
    public Task<bool> RemoveThresholdAsync(string metric, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => RemoveThreshold(metric), cancellationToken);

    /// <summary><see cref="ResetToDefaults"/>, acknowledged once durable.</summary>
    public Task ResetToDefaultsAsync(CancellationToken cancellationToken = default) =>
        RunDurableAsync(ResetToDefaults, cancellationToken);

    /// <summary><see cref="Evaluate"/> (a validation request, recorded), acknowledged once durable.</summary>
    public Task<HealthLevel> EvaluateAsync(string metric, double value, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => Evaluate(metric, value), cancellationToken);
}
