using System.Collections.Immutable;

namespace StateVault.Managers.Workflows;

/// <summary>One execution of a workflow.</summary>
public sealed record WorkflowExecution
{
    /// <summary>Unique id.</summary>
    public required string Id { get; init; }

    /// <summary>The workflow.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>The workflow's name.</summary>
    public required string WorkflowName { get; init; }

    /// <summary>Its status.</summary>
    public ExecutionStatus Status { get; init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The step running now.</summary>
    public string? CurrentStep { get; init; }

    /// <summary>The required step that failed.</summary>
    public string? FailedStep { get; init; }

    /// <summary>Steps in execution (dependency) order.</summary>
    public ImmutableList<StepExecution> Steps { get; init; } = [];
}
