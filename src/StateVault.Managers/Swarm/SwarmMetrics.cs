namespace StateVault.Managers.Swarm;

/// <summary>Integration figures.</summary>
/// <param name="TotalAgents">Registered agents.</param>
/// <param name="IntegratedAgents">Integrated agents.</param>
/// <param name="AvailableAgents">Agents available now.</param>
/// <param name="OpenTasks">Tasks pending or running.</param>
/// <param name="CompletedTasks">Tasks completed.</param>
/// <param name="FailedTasks">Tasks failed or partially completed.</param>
/// <param name="MessagesPerMinute">Messages in the last minute.</param>
/// <param name="Health">0–100: the share of integrated agents that are available or busy.</param>
/// <param name="IntegrationStatus">inactive, active or degraded.</param>
public sealed record SwarmMetrics(int TotalAgents, int IntegratedAgents, int AvailableAgents, int OpenTasks, long CompletedTasks, long FailedTasks, int MessagesPerMinute, double Health, string IntegrationStatus);
