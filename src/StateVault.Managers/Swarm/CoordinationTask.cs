using System.Collections.Immutable;

namespace StateVault.Managers.Swarm;

/// <summary>A task coordinated over several agents.</summary>
public sealed record CoordinationTask
{
    /// <summary>Unique id.</summary>
    public required string Id { get; init; }

    /// <summary>What is to be done.</summary>
    public required string Description { get; init; }

    /// <summary>The agents it was assigned to.</summary>
    public ImmutableList<string> AgentIds { get; init; } = [];

    /// <summary>Its status.</summary>
    public CoordinationTaskStatus Status { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the last agent reported.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Whether coordinating it succeeded, when recorded (imported tasks: the original's <c>success</c>).</summary>
    public bool? Success { get; init; }

    /// <summary>Results by agent id.</summary>
    public ImmutableSortedDictionary<string, AgentTaskResult> Results { get; init; } = ImmutableSortedDictionary.Create<string, AgentTaskResult>(StringComparer.Ordinal);
}
