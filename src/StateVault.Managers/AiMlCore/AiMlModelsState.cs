using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace StateVault.Managers.AiMlCore;

/// <summary>The saved state of <c>ai_ml_models</c>: the model registry (the original crashed saving it).</summary>
[SnapshotSchema(1, Name = "ai_ml_models")]
public sealed record AiMlModelsState
{
    /// <summary>Models by id.</summary>
    public ImmutableSortedDictionary<string, ModelRecord> Models { get; init; } = ImmutableSortedDictionary.Create<string, ModelRecord>(StringComparer.Ordinal);

    /// <summary>Registry changes, newest last (bounded).</summary>
    public ImmutableList<ModelRegistration> ModelRegistrations { get; init; } = [];

    /// <summary>Key requests of the model manager, newest last (imported: the original's <c>api_key_operations</c>).</summary>
    public ImmutableList<ApiKeyRequest> ApiKeyRequests { get; init; } = [];

    /// <summary>Keys of imported original files that have no typed place here.</summary>
    public JsonObject? Legacy { get; init; }
}
