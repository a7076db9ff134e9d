namespace StateVault.Managers.Workflows;

/// <summary>Statistics of one step over all executions.</summary>
/// <param name="Runs">Executions that ran it.</param>
/// <param name="Successes">Runs that completed.</param>
/// <param name="Failures">Runs that failed.</param>
/// <param name="Attempts">Attempts, retries included.</param>
/// <param name="TotalMs">Total time.</param>
/// <param name="AverageMs">Average time per run.</param>
public sealed record StepStatistics(long Runs, long Successes, long Failures, long Attempts, double TotalMs, double AverageMs);
