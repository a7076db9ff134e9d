using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace StateVault.Managers.Workflows;

/// <summary>The saved state of <c>ai_ml_workflows</c>.</summary>
[SnapshotSchema(1, Name = "ai_ml_workflows")]
public sealed record AiMlWorkflowsState
{
    /// <summary>Workflows by id.</summary>
    public ImmutableSortedDictionary<string, WorkflowDefinition> Workflows { get; init; } = ImmutableSortedDictionary.Create<string, WorkflowDefinition>(StringComparer.Ordinal);

    /// <summary>Finished executions, newest last (bounded).</summary>
    public ImmutableList<WorkflowExecution> ExecutionHistory { get; init; } = [];

    /// <summary>Per-step statistics by <c>&lt;workflow name&gt;/&lt;step name&gt;</c>.</summary>
    public ImmutableSortedDictionary<string, StepStatistics> StepStatistics { get; init; } = ImmutableSortedDictionary.Create<string, StepStatistics>(StringComparer.Ordinal);

    /// <summary>Keys of imported original files that have no typed place here.</summary>
    public JsonObject? Legacy { get; init; }
}
