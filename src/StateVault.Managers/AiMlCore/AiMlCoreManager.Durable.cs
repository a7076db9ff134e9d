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
        // The request record also goes to the key manager's system: its reload generation is taken first, as for this manager's own,
        // so a reload after a lost save there is a conflict, never an acknowledgement of a record the reload dropped.
        var keys = Context.Registry?.FindByName(ApiKeysManager.ManagerName) as ApiKeysManager;
        var keyGenerations = keys?.CaptureReloadGenerations();
        var key = await RunDurableAsync(() => RequestApiKey(provider, purpose), cancellationToken).ConfigureAwait(false);
        if (keys is not null)
        {
            await keys.WhenDurableSinceAsync(keyGenerations!, cancellationToken).ConfigureAwait(false);
        }

        return key;
    }
}
