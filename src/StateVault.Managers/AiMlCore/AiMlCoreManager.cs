using System.Collections.Immutable;
using System.Text.Json;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Workflows;

namespace StateVault.Managers.AiMlCore;

/// <summary>
/// AI/ML core [<c>ai_ml_core</c>, <c>ai_ml_models</c>]: the model registry (register, update status, list by status, delete), ML
/// workflows whose steps check a model, request a provider key through the API key manager, or run a workflow of the AI/ML
/// workflows manager, with step statuses pending/running/completed/failed; executions and key requests are recorded.
/// </summary>
public sealed partial class AiMlCoreManager : ManagerBase
{
    /// <summary>The manager name and its main system.</summary>
    public const string ManagerName = "ai_ml_core";

    /// <summary>The system of the model registry.</summary>
    public const string ModelsSystem = "ai_ml_models";

    private readonly StateCell<AiMlCoreState> _core;
    private readonly StateCell<AiMlModelsState> _models;

    /// <summary>Creates the manager.</summary>
    public AiMlCoreManager(ManagerContext context)
        : base(ManagerName, context)
    {
        _core = AddSystem(ManagerName, new AiMlCoreState(), NormalizeCore);
        _models = AddSystem(ModelsSystem, new AiMlModelsState(), NormalizeModels);
    }

    /// <summary>The state of <c>ai_ml_core</c>.</summary>
    public AiMlCoreState CoreState => _core.Value;

    /// <summary>The state of <c>ai_ml_models</c>.</summary>
    public AiMlModelsState ModelsState => _models.Value;

    /// <summary>Registers a model.</summary>
    /// <param name="name">Display name (unique).</param>
    /// <param name="provider">Provider.</param>
    /// <param name="modelId">The provider's model id.</param>
    /// <param name="version">Version.</param>
    /// <param name="capabilities">Capabilities.</param>
    /// <param name="parameters">Parameters: any values System.Text.Json can write (numbers, strings, lists, objects).</param>
    /// <exception cref="ArgumentException">A model with that name exists.</exception>
    public ModelRecord RegisterModel(string name, string provider, string modelId, string version = "1.0", IEnumerable<string>? capabilities = null, IReadOnlyDictionary<string, object?>? parameters = null) =>
        Run("register_model", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            ArgumentException.ThrowIfNullOrWhiteSpace(provider);
            ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
            var now = Time.GetUtcNow();
            var model = new ModelRecord
            {
                Id = NewId("model"),
                Name = name,
                Provider = provider,
                ModelId = modelId,
                Version = version,
                Capabilities = [.. (capabilities ?? []).Distinct(StringComparer.Ordinal)],
                Parameters = (parameters ?? new Dictionary<string, object?>()).ToImmutableSortedDictionary(
                    p => p.Key,
                    p => JsonSerializer.SerializeToElement(p.Value, Context.Vault.JsonOptions),
                    StringComparer.Ordinal),
                Status = ModelStatus.Registered,
                CreatedAt = now,
                UpdatedAt = now,
            };
            return _models.Update(state =>
            {
                if (state.Models.Values.Any(m => m.Name == name))
                {
                    throw new ArgumentException($"A model named '{name}' is registered.", nameof(name));
                }

                return (state with
                {
                    Models = state.Models.Add(model.Id, model),
                    ModelRegistrations = state.ModelRegistrations.AppendBounded(new ModelRegistration(NewId("modreg"), model.Id, "registered", model.Status, now), Context.Options.HistoryLimit),
                }, model);
            });
        });

    /// <summary>Changes a model's status.</summary>
    /// <exception cref="KeyNotFoundException">No such model.</exception>
    public ModelRecord UpdateModelStatus(string modelIdOrName, ModelStatus status) =>
        Run("update_model_status", () =>
        {
            var now = Time.GetUtcNow();
            return _models.Update(state =>
            {
                var model = Find(state, modelIdOrName) ?? throw new KeyNotFoundException($"No model '{modelIdOrName}'.");
                var updated = model with { Status = status, UpdatedAt = now };
                return (state with
                {
                    Models = state.Models.SetItem(model.Id, updated),
                    ModelRegistrations = state.ModelRegistrations.AppendBounded(new ModelRegistration(NewId("modreg"), model.Id, "status_changed", status, now), Context.Options.HistoryLimit),
                }, updated);
            });
        });

    /// <summary>Models, optionally of one status, by name.</summary>
    public IReadOnlyList<ModelRecord> ListModels(ModelStatus? status = null) =>
        [.. ModelsState.Models.Values.Where(m => status is null || m.Status == status).OrderBy(m => m.Name, StringComparer.Ordinal)];

    /// <summary>A model by id or name, or <see langword="null"/>.</summary>
    public ModelRecord? GetModel(string modelIdOrName) => Find(ModelsState, modelIdOrName);

    /// <summary>Deletes a model.</summary>
    /// <returns><see langword="false"/> when there was none.</returns>
    public bool DeleteModel(string modelIdOrName) =>
        Run("delete_model", () =>
        {
            var now = Time.GetUtcNow();
            return _models.Update(state =>
            {
                if (Find(state, modelIdOrName) is not { } model)
                {
                    return (state, false);
                }

                return (state with
                {
                    Models = state.Models.Remove(model.Id),
                    ModelRegistrations = state.ModelRegistrations.AppendBounded(new ModelRegistration(NewId("modreg"), model.Id, "deleted", null, now), Context.Options.HistoryLimit),
                }, true);
            });
        });

    /// <summary>Creates an ML workflow.</summary>
    /// <exception cref="ArgumentException">No steps, or two steps with one name.</exception>
    public MlWorkflow CreateWorkflow(string name, IEnumerable<(string Name, MlStepKind Kind, string Target)> steps) =>
        Run("create_ml_workflow", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            ArgumentNullException.ThrowIfNull(steps);
            var list = steps.Select(s => new MlWorkflowStep { Name = s.Name, Kind = s.Kind, Target = s.Target }).ToImmutableList();
            if (list.Count == 0 || list.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != list.Count || list.Any(s => string.IsNullOrWhiteSpace(s.Name) || string.IsNullOrWhiteSpace(s.Target)))
            {
                throw new ArgumentException("An ML workflow needs at least one step; step names must be unique and targets set.", nameof(steps));
            }

            var now = Time.GetUtcNow();
            var workflow = new MlWorkflow { Id = NewId("mlwf"), Name = name, Steps = list, CreatedAt = now, UpdatedAt = now };
            _core.Update(state => state with { Workflows = state.Workflows.Add(workflow.Id, workflow) });
            return workflow;
        });

    /// <summary>Runs an ML workflow: its steps in order, each pending → running → completed or failed; the first failure stops it. Returns once the execution record is durable.</summary>
    /// <exception cref="KeyNotFoundException">No such workflow.</exception>
    public Task<MlWorkflowExecution> ExecuteWorkflowAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        if (workflowId is null || !CoreState.Workflows.ContainsKey(workflowId))
        {
            throw new KeyNotFoundException($"No ML workflow '{workflowId}'.");
        }

        return RunAsync("execute_ml_workflow", async ct =>
        {
            var generations = CaptureGenerations();
            // A key-request step records the request in the key manager's system: wait for that too, fenced the same way.
            var keys = CoreState.Workflows[workflowId].Steps.Any(s => s.Kind == MlStepKind.RequestApiKey)
                ? Context.Registry?.FindByName(ApiKeysManager.ManagerName) as ApiKeysManager
                : null;
            var keyGenerations = keys?.CaptureReloadGenerations();
            var started = Time.GetUtcNow();
            SetWorkflow(workflowId, w => w with { Status = MlStepStatus.Running, Steps = [.. w.Steps.Select(s => s with { Status = MlStepStatus.Pending, Error = null, StartedAt = null, FinishedAt = null })] });
            string? failed = null;
            var steps = CoreState.Workflows[workflowId].Steps;
            for (var i = 0; i < steps.Count && failed is null; i++)
            {
                var index = i;
                SetWorkflow(workflowId, w => w with { Steps = w.Steps.SetItem(index, w.Steps[index] with { Status = MlStepStatus.Running, StartedAt = Time.GetUtcNow() }) });
                var error = await RunStepAsync(steps[i], ct).ConfigureAwait(false);
                SetWorkflow(workflowId, w => w with
                {
                    Steps = w.Steps.SetItem(index, w.Steps[index] with { Status = error is null ? MlStepStatus.Completed : MlStepStatus.Failed, FinishedAt = Time.GetUtcNow(), Error = error }),
                });
                if (error is not null)
                {
                    failed = steps[i].Name;
                }
            }

            var status = failed is null ? MlStepStatus.Completed : MlStepStatus.Failed;
            var execution = new MlWorkflowExecution(NewId("mlexec"), workflowId, status, started, Time.GetUtcNow(), failed);
            _core.Update(state => state with
            {
                Workflows = state.Workflows.SetItem(workflowId, state.Workflows[workflowId] with { Status = status, UpdatedAt = execution.FinishedAt }),
                WorkflowExecutions = state.WorkflowExecutions.AppendBounded(execution, Context.Options.HistoryLimit),
            });
            await WhenDurableAsync(generations, ct).ConfigureAwait(false);
            if (keys is not null)
            {
                await keys.WhenDurableSinceAsync(keyGenerations!, ct).ConfigureAwait(false);
            }

            return execution;
        }, cancellationToken);
    }

    /// <summary>Requests a provider key through the API key manager and records the request (never the key).</summary>
    /// <returns>The key, or <see langword="null"/> when none is available (or there is no API key manager).</returns>
    public ProviderKey? RequestApiKey(string provider, string purpose) =>
        Run("request_api_key", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(provider);
            var keys = Context.Registry?.FindByName(ApiKeysManager.ManagerName) as ApiKeysManager;
            var key = keys?.RequestProviderKey(provider, ManagerName, purpose);
            var now = Time.GetUtcNow();
            _core.Update(state => state with
            {
                ApiKeyRequests = state.ApiKeyRequests.AppendBounded(new ApiKeyRequest(NewId("keyreq"), provider, SecretRedaction.Redact(purpose).Text, key is not null, key?.Id, now), Context.Options.HistoryLimit),
            });
            return key;
        });

    /// <inheritdoc />
    protected override void AddSummary(IDictionary<string, object?> summary)
    {
        var models = ModelsState.Models.Values.ToList();
        summary["models"] = models.Count;
        summary["active_models"] = models.Count(m => m.Status is ModelStatus.Active or ModelStatus.Deployed);
        summary["ml_workflows"] = CoreState.Workflows.Count;
        summary["ml_executions"] = CoreState.WorkflowExecutions.Count;
        summary["api_key_requests"] = CoreState.ApiKeyRequests.Count;
    }

    private async Task<string?> RunStepAsync(MlWorkflowStep step, CancellationToken cancellationToken)
    {
        switch (step.Kind)
        {
            case MlStepKind.CheckModel:
                return GetModel(step.Target) switch
                {
                    null => $"model '{step.Target}' is not registered",
                    { Status: not (ModelStatus.Active or ModelStatus.Deployed) } model => $"model '{step.Target}' is {model.Status.ToString().ToLowerInvariant()}, not active",
                    _ => null,
                };
            case MlStepKind.RequestApiKey:
                return RequestApiKey(step.Target, $"ml workflow step {step.Name}") is null ? $"no valid {step.Target} key is available" : null;
            case MlStepKind.RunWorkflow:
                if (Context.Registry?.FindByName(AiMlWorkflowsManager.ManagerName) is not AiMlWorkflowsManager workflows)
                {
                    return "the AI/ML workflows manager is not running";
                }

                try
                {
                    var execution = await workflows.ExecuteAsync(step.Target, cancellationToken).ConfigureAwait(false);
                    return execution.Status == ExecutionStatus.Completed ? null : $"workflow '{step.Target}' {execution.Status.ToString().ToLowerInvariant()} at step '{execution.FailedStep}'";
                }
                catch (KeyNotFoundException ex)
                {
                    return ex.Message;
                }

            case MlStepKind.Imported:
                return $"step '{step.Name}' was imported from the original system (type '{step.Type}') and has no runner here";
            default:
                return $"unknown step kind {step.Kind}";
        }
    }

    private void SetWorkflow(string workflowId, Func<MlWorkflow, MlWorkflow> change)
    {
        var now = Time.GetUtcNow();
        _core.Update(state => state with { Workflows = state.Workflows.SetItem(workflowId, change(state.Workflows[workflowId]) with { UpdatedAt = now }) });
    }

    private static ModelRecord? Find(AiMlModelsState state, string idOrName) =>
        idOrName is null ? null : state.Models.TryGetValue(idOrName, out var byId) ? byId : state.Models.Values.FirstOrDefault(m => m.Name == idOrName);

    private static AiMlCoreState NormalizeCore(AiMlCoreState state) =>
        state with
        {
            Workflows = state.Workflows.Ordinal(),
            WorkflowExecutions = state.WorkflowExecutions ?? [],
            ApiKeyRequests = state.ApiKeyRequests ?? [],
        };

    private static AiMlModelsState NormalizeModels(AiMlModelsState state) =>
        state with
        {
            Models = state.Models.Ordinal().ToImmutableSortedDictionary(p => p.Key, p => p.Value with { Parameters = p.Value.Parameters.Ordinal() }, StringComparer.Ordinal),
            ModelRegistrations = state.ModelRegistrations ?? [],
        };
}
