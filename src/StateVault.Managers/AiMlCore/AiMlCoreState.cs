using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace StateVault.Managers.AiMlCore;

/// <summary>The saved state of <c>ai_ml_core</c>.</summary>
[SnapshotSchema(1, Name = "ai_ml_core")]
public sealed record AiMlCoreState
{
    /// <summary>Provider models the original AI manager registered, by name (imported; the model registry is <c>ai_ml_models</c>).</summary>
    public ImmutableSortedDictionary<string, ModelRecord> Models { get; init; } = ImmutableSortedDictionary.Create<string, ModelRecord>(StringComparer.Ordinal);

    /// <summary>Registrations of those models, newest last (imported).</summary>
    public ImmutableList<ModelRegistration> ModelRegistrations { get; init; } = [];

    /// <summary>ML workflows by id.</summary>
    public ImmutableSortedDictionary<string, MlWorkflow> Workflows { get; init; } = ImmutableSortedDictionary.Create<string, MlWorkflow>(StringComparer.Ordinal);

    /// <summary>Executions, newest last (bounded).</summary>
    public ImmutableList<MlWorkflowExecution> WorkflowExecutions { get; init; } = [];

    /// <summary>Key requests, newest last (bounded).</summary>
    public ImmutableList<ApiKeyRequest> ApiKeyRequests { get; init; } = [];

    /// <summary>Keys of imported original files that have no typed place here.</summary>
    public JsonObject? Legacy { get; init; }
}
