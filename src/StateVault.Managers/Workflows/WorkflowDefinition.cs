using System.Collections.Immutable;

namespace StateVault.Managers.Workflows;

/// <summary>A workflow: steps with dependencies between them.</summary>
public sealed record WorkflowDefinition
{
    /// <summary>Unique id.</summary>
    public required string Id { get; init; }

    /// <summary>Unique name.</summary>
    public required string Name { get; init; }

    /// <summary>What it is for.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>The steps, in declaration order (they run in dependency order).</summary>
    public ImmutableList<WorkflowStep> Steps { get; init; } = [];

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }
}
