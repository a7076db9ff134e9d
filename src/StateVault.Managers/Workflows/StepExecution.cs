namespace StateVault.Managers.Workflows;

/// <summary>One step of an execution.</summary>
/// <param name="Name">The step.</param>
/// <param name="Status">How it ended.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="DurationMs">Time over all attempts.</param>
/// <param name="Error">The last failure, or why it was skipped.</param>
/// <param name="Output">A short result line (secret-looking values redacted).</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it ended.</param>
public sealed record StepExecution(string Name, StepRunStatus Status, int Attempts, double DurationMs, string? Error, string? Output, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);
