namespace StateVault.Managers.HealthThresholds;

/// <summary>The latest sample of a metric (in memory only).</summary>
/// <param name="Metric">The metric.</param>
/// <param name="Value">The value.</param>
/// <param name="Level">Its level.</param>
/// <param name="Timestamp">When it was fed.</param>
public sealed record HealthSample(string Metric, double Value, HealthLevel Level, DateTimeOffset Timestamp);
