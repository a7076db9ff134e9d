using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace StateVault.Managers.Swarm;

/// <summary>The saved state of <c>swarm_integration</c>.</summary>
[SnapshotSchema(1, Name = "swarm_integration")]
public sealed record SwarmIntegrationState
{
    /// <summary>Agents by id.</summary>
    public ImmutableSortedDictionary<string, SwarmAgent> Agents { get; init; } = ImmutableSortedDictionary.Create<string, SwarmAgent>(StringComparer.Ordinal);

    /// <summary>Coordination tasks by id (finished ones beyond the history limit are dropped oldest first).</summary>
    public ImmutableSortedDictionary<string, CoordinationTask> CoordinationTasks { get; init; } = ImmutableSortedDictionary.Create<string, CoordinationTask>(StringComparer.Ordinal);

    /// <summary>Messages, newest last (bounded).</summary>
    public ImmutableList<SwarmMessage> MessageHistory { get; init; } = [];

    /// <summary><c>inactive</c> (no agents), <c>active</c> or <c>degraded</c> (an integrated agent is offline or in error).</summary>
    public string IntegrationStatus { get; init; } = "inactive";

    /// <summary>Integration operations (initialize, integrate an agent), newest last; imported from the original.</summary>
    public ImmutableList<IntegrationOperation> IntegrationOperations { get; init; } = [];

    /// <summary>Running totals.</summary>
    public SwarmCounters Counters { get; init; } = new();

    /// <summary>Keys of imported original files that have no typed place here.</summary>
    public JsonObject? Legacy { get; init; }
}
