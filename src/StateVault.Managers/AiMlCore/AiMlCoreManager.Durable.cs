using StateVault.Managers.ApiKeys;

namespace StateVault.Managers.AiMlCore;

/// <content>The durable variants of the operations: each returns once its change is in a durable snapshot.</content>
public sealed partial class AiMlCoreManager
{
    /// <summary><see cref="RegisterModel"/>, acknowledged once durable.</summary>
    public Task<ModelRecord> RegisterModelAsync(string name, string provider, string modelId, string version = "1.0", IEnumerable<string>? capabilities = null, IReadOnlyDictionary<string, object?>? parameters = null, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => RegisterModel(name, provider, modelId, version, capabilities, parameters), cancellationToken);

    /// <summary><see cref="UpdateModelStatus"/>, acknowledged once durable.</summary>
    public Task<ModelRecord> UpdateModelStatusAsync(string modelIdOrName, ModelStatus status, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => UpdateModelStatus(modelIdOrName, status), cancellationToken);

    /// <summary><see cref="DeleteModel"/>, acknowledged once durable.</summary>
    public Task<bool> DeleteModelAsync(string modelIdOrName, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => DeleteModel(modelIdOrName), cancellationToken);

    /// <summary><see cref="CreateWorkflow"/>, acknowledged once durable.</summary>
    public Task<MlWorkflow> CreateWorkflowAsync(string name, IEnumerable<(string Name, MlStepKind Kind, string Target)> steps, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => CreateWorkflow(name, steps), cancellationToken);

    /// <summary><see cref="RequestApiKey"/>, acknowledged once the request record (here and in the API key manager) is durable.</summary>
    public async Task<ProviderKey?> RequestApiKeyAsync(string provider, string purpose, CancellationToken cancellationToken = default)
    {
        var key = await RunDurableAsync(() => RequestApiKey(provider, purpose), cancellationToken).ConfigureAwait(false);
        if (Context.Registry?.FindByName(ApiKeysManager.ManagerName) is ApiKeysManager keys)
        {
            await keys.WhenDurableAsync(cancellationToken).ConfigureAwait(false);
        }

        return key;
    }
}
