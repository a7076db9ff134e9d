namespace StateVault.Managers.Swarm;

/// <summary>One agent's result for a coordination task.</summary>
/// <param name="Success">Whether the agent succeeded.</param>
/// <param name="Output">Its output (secret-looking values are redacted before they are kept).</param>
/// <param name="ReportedAt">When it reported.</param>
public sealed record AgentTaskResult(bool Success, string? Output, DateTimeOffset ReportedAt);
