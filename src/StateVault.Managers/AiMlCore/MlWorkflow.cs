using System.Collections.Immutable;

namespace StateVault.Managers.AiMlCore;

/// <summary>An ML workflow: steps run in order; the first failure stops it.</summary>
public sealed record MlWorkflow
{
    /// <summary>Unique id.</summary>
    public required string Id { get; init; }

    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>What it is for.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Workflows it depends on (the original's <c>dependencies</c>).</summary>
    public ImmutableList<string> Dependencies { get; init; } = [];

    /// <summary>The steps, with the statuses of the latest execution.</summary>
    public ImmutableList<MlWorkflowStep> Steps { get; init; } = [];

    /// <summary>The status of the latest execution (pending before the first).</summary>
    public MlStepStatus Status { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
