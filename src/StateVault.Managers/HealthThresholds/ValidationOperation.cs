namespace StateVault.Managers.HealthThresholds;

/// <summary>A value was evaluated against a metric's thresholds.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Metric">The metric.</param>
/// <param name="Value">The value.</param>
/// <param name="Result">The level.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Warning">The warning threshold it was judged against, when recorded.</param>
/// <param name="Critical">The critical threshold it was judged against, when recorded.</param>
/// <param name="Unit">The unit, when recorded.</param>
/// <param name="Note">What is known to be wrong with the record (imported: the original's judgement of a lower-is-worse metric).</param>
public sealed record ValidationOperation(string Id, string Metric, double Value, HealthLevel Result, DateTimeOffset Timestamp, double? Warning = null, double? Critical = null, string? Unit = null, string? Note = null);
