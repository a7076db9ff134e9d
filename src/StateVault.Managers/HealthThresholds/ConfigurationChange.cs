namespace StateVault.Managers.HealthThresholds;

/// <summary>A threshold's values changed.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Metric">The metric.</param>
/// <param name="Previous">The thresholds before (<see langword="null"/> when new).</param>
/// <param name="Current">The thresholds after (<see langword="null"/> when removed).</param>
/// <param name="Timestamp">When.</param>
/// <param name="Operation">The original's operation name (imported changes), e.g. <c>initialize_default_thresholds</c>.</param>
/// <param name="Count">How many thresholds it touched, when recorded.</param>
/// <param name="Success">Whether it succeeded, when recorded.</param>
public sealed record ConfigurationChange(string Id, string Metric, MetricThreshold? Previous, MetricThreshold? Current, DateTimeOffset Timestamp, string? Operation = null, int? Count = null, bool? Success = null);
