namespace StateVault.Managers.HealthThresholds;

/// <summary>A threshold was set, removed or reset.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Operation"><c>set</c>, <c>remove</c> or <c>reset</c>.</param>
/// <param name="Metric">The metric (<c>*</c> for a reset).</param>
/// <param name="Timestamp">When.</param>
public sealed record ThresholdOperation(string Id, string Operation, string Metric, DateTimeOffset Timestamp);
