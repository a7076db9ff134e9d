namespace StateVault.Managers.HealthThresholds;

/// <summary>A threshold was set, removed or reset.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Operation"><c>set</c>, <c>remove</c> or <c>reset</c>.</param>
/// <param name="Metric">The metric (<c>*</c> for a reset).</param>
/// <param name="Timestamp">When.</param>
/// <param name="Warning">The warning threshold it set, when recorded.</param>
/// <param name="Critical">The critical threshold it set, when recorded.</param>
/// <param name="Unit">The unit it set, when recorded.</param>
/// <param name="Success">Whether it succeeded, when recorded (imported operations).</param>
public sealed record ThresholdOperation(string Id, string Operation, string Metric, DateTimeOffset Timestamp, double? Warning = null, double? Critical = null, string? Unit = null, bool? Success = null);
