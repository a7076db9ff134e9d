using System.Collections.Immutable;

namespace StateVault.Managers.Swarm;

/// <summary>
/// Swarm integration [<c>swarm_integration</c>]: agents with capabilities and status, coordination tasks over several agents
/// with per-agent results, the message history and integration figures.
/// </summary>
/// <remarks>
/// Message contents and task outputs pass the vault's secret scanner when they arrive: a secret-looking token is replaced by a
/// <c>[REDACTED:…]</c> marker before it is kept. So the live state is exactly what is saved, and one message holding a key can
/// never make every later save of the swarm fail under the default reject policy.
/// </remarks>
public sealed partial class SwarmIntegrationManager : ManagerBase
{
    /// <summary>The manager and system name.</summary>
    public const string ManagerName = "swarm_integration";

    private readonly StateCell<SwarmIntegrationState> _state;

    /// <summary>Creates the manager.</summary>
    public SwarmIntegrationManager(ManagerContext context)
        : base(ManagerName, context)
    {
        _state = AddSystem(ManagerName, new SwarmIntegrationState(), Normalize);
    }

    /// <summary>The current state.</summary>
    public SwarmIntegrationState State => _state.Value;

    /// <summary>Registers an agent.</summary>
    public SwarmAgent RegisterAgent(string name, IEnumerable<string> capabilities) =>
        Run("register_agent", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            ArgumentNullException.ThrowIfNull(capabilities);
            var now = Time.GetUtcNow();
            var agent = new SwarmAgent
            {
                Id = NewId("agent"),
                Name = name,
                Capabilities = [.. capabilities.Where(c => !string.IsNullOrWhiteSpace(c)).Distinct(StringComparer.Ordinal)],
                Status = AgentStatus.Available,
                RegisteredAt = now,
                LastSeenAt = now,
            };
            _state.Update(state => WithStatus(state with { Agents = state.Agents.Add(agent.Id, agent) }));
            return agent;
        });

    /// <summary>Integrates a registered agent (it can now be assigned tasks).</summary>
    /// <exception cref="KeyNotFoundException">No such agent.</exception>
    public SwarmAgent IntegrateAgent(string agentId) =>
        Run("integrate_agent", () => UpdateAgent(agentId, a => a with { Integrated = true }));

    /// <summary>Sets an agent's status (and its last-seen time).</summary>
    /// <exception cref="KeyNotFoundException">No such agent.</exception>
    public SwarmAgent UpdateAgentStatus(string agentId, AgentStatus status) =>
        Run("update_agent_status", () => UpdateAgent(agentId, a => a with { Status = status }));

    /// <summary>Removes an agent.</summary>
    /// <returns><see langword="false"/> when there was none.</returns>
    public bool RemoveAgent(string agentId) =>
        Run("remove_agent", () => _state.Update(state =>
            agentId is not null && state.Agents.ContainsKey(agentId)
                ? (WithStatus(state with { Agents = state.Agents.Remove(agentId) }), true)
                : (state, false)));

    /// <summary>Creates a coordination task over the given agents, or over every integrated, available agent with <paramref name="capability"/>.</summary>
    /// <exception cref="ArgumentException">No agents given or found, or an agent is unknown or not integrated.</exception>
    public CoordinationTask CreateTask(string description, IReadOnlyCollection<string>? agentIds = null, string? capability = null) =>
        Run("create_task", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(description);
            var now = Time.GetUtcNow();
            return _state.Update(state =>
            {
                List<string> assigned;
                if (agentIds is { Count: > 0 })
                {
                    foreach (var id in agentIds)
                    {
                        if (!state.Agents.TryGetValue(id, out var agent) || !agent.Integrated)
                        {
                            throw new ArgumentException($"Agent '{id}' is unknown or not integrated.", nameof(agentIds));
                        }
                    }

                    assigned = agentIds.Distinct(StringComparer.Ordinal).ToList();
                }
                else
                {
                    assigned = state.Agents.Values
                        .Where(a => a.Integrated && a.Status == AgentStatus.Available && (capability is null || a.Capabilities.Contains(capability)))
                        .Select(a => a.Id)
                        .ToList();
                    if (assigned.Count == 0)
                    {
                        throw new ArgumentException(capability is null ? "No integrated agent is available." : $"No integrated agent with capability '{capability}' is available.", nameof(capability));
                    }
                }

                var task = new CoordinationTask
                {
                    Id = NewId("task"),
                    Description = SecretRedaction.Redact(description).Text,
                    AgentIds = [.. assigned],
                    Status = CoordinationTaskStatus.Pending,
                    CreatedAt = now,
                };
                var agents = state.Agents;
                foreach (var id in assigned)
                {
                    agents = agents.SetItem(id, agents[id] with { Status = AgentStatus.Busy, LastSeenAt = now });
                }

                var next = state with
                {
                    Agents = agents,
                    CoordinationTasks = Trim(state.CoordinationTasks.Add(task.Id, task)),
                    Counters = state.Counters with { TasksCreated = state.Counters.TasksCreated + 1 },
                };
                return (WithStatus(next), task);
            });
        });

    /// <summary>Records one agent's result; when every assigned agent has reported, the task is completed, partially completed or failed.</summary>
    /// <exception cref="KeyNotFoundException">No such task.</exception>
    /// <exception cref="ArgumentException">The agent is not assigned to the task.</exception>
    public CoordinationTask RecordTaskResult(string taskId, string agentId, bool success, string? output = null) =>
        Run("record_task_result", () =>
        {
            var now = Time.GetUtcNow();
            var (safeOutput, _) = SecretRedaction.Redact(output);
            return _state.Update(state =>
            {
                if (taskId is null || !state.CoordinationTasks.TryGetValue(taskId, out var task))
                {
                    throw new KeyNotFoundException($"No coordination task '{taskId}'.");
                }

                if (!task.AgentIds.Contains(agentId))
                {
                    throw new ArgumentException($"Agent '{agentId}' is not assigned to task '{taskId}'.", nameof(agentId));
                }

                var results = task.Results.SetItem(agentId, new AgentTaskResult(success, output is null ? null : safeOutput, now));
                var done = results.Count == task.AgentIds.Count;
                var status = !done
                    ? CoordinationTaskStatus.Running
                    : results.Values.All(r => r.Success) ? CoordinationTaskStatus.Completed
                    : results.Values.Any(r => r.Success) ? CoordinationTaskStatus.PartiallyCompleted
                    : CoordinationTaskStatus.Failed;
                var updated = task with { Results = results, Status = status, CompletedAt = done ? now : null };
                var counters = state.Counters;
                if (done && task.CompletedAt is null)
                {
                    counters = status == CoordinationTaskStatus.Completed
                        ? counters with { TasksCompleted = counters.TasksCompleted + 1 }
                        : counters with { TasksFailed = counters.TasksFailed + 1 };
                }

                var agents = state.Agents;
                if (agents.TryGetValue(agentId, out var agent) && agent.Status == AgentStatus.Busy)
                {
                    agents = agents.SetItem(agentId, agent with { Status = AgentStatus.Available, LastSeenAt = now });
                }

                return (WithStatus(state with { CoordinationTasks = state.CoordinationTasks.SetItem(taskId, updated), Counters = counters, Agents = agents }), updated);
            });
        });

    /// <summary>Records a message. Secret-looking tokens in the content are redacted before it is kept.</summary>
    public SwarmMessage SendMessage(string from, string to, string type, string content) =>
        Run("send_message", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(from);
            ArgumentException.ThrowIfNullOrWhiteSpace(to);
            ArgumentException.ThrowIfNullOrWhiteSpace(type);
            ArgumentNullException.ThrowIfNull(content);
            var now = Time.GetUtcNow();
            var (safe, kinds) = SecretRedaction.Redact(content);
            var message = new SwarmMessage(NewId("msg"), from, to, type, safe, now, kinds.Count > 0);
            if (kinds.Count > 0)
            {
                ManagersLog.MessageRedacted(Logger, message.Id, string.Join(",", kinds.Distinct()));
            }

            _state.Update(state =>
            {
                var agents = state.Agents;
                if (agents.TryGetValue(from, out var sender))
                {
                    agents = agents.SetItem(from, sender with { LastSeenAt = now });
                }

                return state with
                {
                    Agents = agents,
                    MessageHistory = state.MessageHistory.AppendBounded(message, Context.Options.HistoryLimit),
                    Counters = state.Counters with
                    {
                        MessagesSent = state.Counters.MessagesSent + 1,
                        MessagesRedacted = state.Counters.MessagesRedacted + (message.Redacted ? 1 : 0),
                    },
                };
            });
            return message;
        });

    /// <summary>Messages sent by or to an agent (or all), oldest first.</summary>
    public IReadOnlyList<SwarmMessage> GetMessages(string? agentId = null) =>
        [.. State.MessageHistory.Where(m => agentId is null || m.From == agentId || m.To == agentId || m.To == "*")];

    /// <summary>Integration figures now.</summary>
    public SwarmMetrics GetMetrics(DateTimeOffset? now = null)
    {
        var state = State;
        var at = now ?? Time.GetUtcNow();
        var integrated = state.Agents.Values.Where(a => a.Integrated).ToList();
        var healthy = integrated.Count(a => a.Status is AgentStatus.Available or AgentStatus.Busy);
        return new SwarmMetrics(
            state.Agents.Count,
            integrated.Count,
            state.Agents.Values.Count(a => a.Status == AgentStatus.Available),
            state.CoordinationTasks.Values.Count(t => t.Status is CoordinationTaskStatus.Pending or CoordinationTaskStatus.Running),
            state.Counters.TasksCompleted,
            state.Counters.TasksFailed,
            state.MessageHistory.Count(m => at - m.Timestamp <= TimeSpan.FromMinutes(1)),
            integrated.Count == 0 ? 0 : Math.Round(100.0 * healthy / integrated.Count, 1),
            state.IntegrationStatus);
    }

    /// <inheritdoc />
    protected override void AddSummary(IDictionary<string, object?> summary)
    {
        var metrics = GetMetrics();
        summary["agents"] = metrics.TotalAgents;
        summary["integrated_agents"] = metrics.IntegratedAgents;
        summary["open_tasks"] = metrics.OpenTasks;
        summary["messages_per_minute"] = metrics.MessagesPerMinute;
        summary["swarm_health"] = metrics.Health;
        summary["integration_status"] = metrics.IntegrationStatus;
    }

    private SwarmAgent UpdateAgent(string agentId, Func<SwarmAgent, SwarmAgent> change)
    {
        var now = Time.GetUtcNow();
        return _state.Update(state =>
        {
            if (agentId is null || !state.Agents.TryGetValue(agentId, out var agent))
            {
                throw new KeyNotFoundException($"No agent '{agentId}'.");
            }

            var updated = change(agent) with { LastSeenAt = now };
            return (WithStatus(state with { Agents = state.Agents.SetItem(agentId, updated) }), updated);
        });
    }

    private ImmutableSortedDictionary<string, CoordinationTask> Trim(ImmutableSortedDictionary<string, CoordinationTask> tasks)
    {
        var limit = Context.Options.HistoryLimit;
        var finished = tasks.Values.Where(t => t.CompletedAt is not null).OrderBy(t => t.CompletedAt).ToList();
        var excess = tasks.Count - limit;
        return excess <= 0 ? tasks : tasks.RemoveRange(finished.Take(excess).Select(t => t.Id));
    }

    private static SwarmIntegrationState WithStatus(SwarmIntegrationState state)
    {
        var integrated = state.Agents.Values.Where(a => a.Integrated).ToList();
        var status = state.Agents.IsEmpty ? "inactive"
            : integrated.Any(a => a.Status is AgentStatus.Offline or AgentStatus.Error) ? "degraded"
            : "active";
        return status == state.IntegrationStatus ? state : state with { IntegrationStatus = status };
    }

    private static SwarmIntegrationState Normalize(SwarmIntegrationState state) =>
        state with
        {
            Agents = state.Agents.Ordinal(),
            CoordinationTasks = state.CoordinationTasks.Ordinal(),
            MessageHistory = state.MessageHistory ?? [],
            Counters = state.Counters ?? new SwarmCounters(),
        };
}
