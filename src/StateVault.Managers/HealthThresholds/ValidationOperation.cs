namespace StateVault.Managers.HealthThresholds;

/// <summary>A value was evaluated against a metric's thresholds.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Metric">The metric.</param>
/// <param name="Value">The value.</param>
/// <param name="Result">The level.</param>
/// <param name="Timestamp">When.</param>
public sealed record ValidationOperation(string Id, string Metric, double Value, HealthLevel Result, DateTimeOffset Timestamp);
