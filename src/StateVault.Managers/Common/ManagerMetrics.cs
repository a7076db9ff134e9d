namespace StateVault.Managers;

/// <summary>The common figures of a manager.</summary>
/// <param name="OperationsProcessed">Operations carried out since start.</param>
/// <param name="Errors">Operations that failed since start.</param>
/// <param name="Uptime">Time since the manager started its work.</param>
/// <param name="PerformanceScore">0–100: the share of successful operations among the recent ones (100 when there were none).</param>
/// <param name="AverageOperationMs">Average duration of the recent operations.</param>
/// <param name="Heartbeats">Heartbeats since start.</param>
/// <param name="LastHeartbeatUtc">The last heartbeat.</param>
public sealed record ManagerMetrics(
    long OperationsProcessed,
    long Errors,
    TimeSpan Uptime,
    double PerformanceScore,
    double AverageOperationMs,
    long Heartbeats,
    DateTimeOffset? LastHeartbeatUtc);
