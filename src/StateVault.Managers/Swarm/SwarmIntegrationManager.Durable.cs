namespace StateVault.Managers.Swarm;

/// <content>The durable variants of the operations: each returns once its change is in a durable snapshot.</content>
public sealed partial class SwarmIntegrationManager
{
    /// <summary><see cref="RegisterAgent"/>, acknowledged once durable.</summary>
    public Task<SwarmAgent> RegisterAgentAsync(string name, IEnumerable<string> capabilities, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => RegisterAgent(name, capabilities), cancellationToken);

    /// <summary><see cref="IntegrateAgent"/>, acknowledged once durable.</summary>
    public Task<SwarmAgent> IntegrateAgentAsync(string agentId, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => IntegrateAgent(agentId), cancellationToken);

    /// <summary><see cref="UpdateAgentStatus"/>, acknowledged once durable.</summary>
    public Task<SwarmAgent> UpdateAgentStatusAsync(string agentId, AgentStatus status, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => UpdateAgentStatus(agentId, status), cancellationToken);

    /// <summary><see cref="RemoveAgent"/>, acknowledged once durable.</summary>
    public Task<bool> RemoveAgentAsync(string agentId, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => RemoveAgent(agentId), cancellationToken);

    /// <summary><see cref="CreateTask"/>, acknowledged once durable.</summary>
    public Task<CoordinationTask> CreateTaskAsync(string description, IReadOnlyCollection<string>? agentIds = null, string? capability = null, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => CreateTask(description, agentIds, capability), cancellationToken);

    /// <summary><see cref="RecordTaskResult"/>, acknowledged once durable.</summary>
    public Task<CoordinationTask> RecordTaskResultAsync(string taskId, string agentId, bool success, string? output = null, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => RecordTaskResult(taskId, agentId, success, output), cancellationToken);

    /// <summary><see cref="SendMessage"/>, acknowledged once durable.</summary>
    public Task<SwarmMessage> SendMessageAsync(string from, string to, string type, string content, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => SendMessage(from, to, type, content), cancellationToken);
}
