using System.Text.Json;
using System.Text.Json.Nodes;
using StateVault.Managers.AiMlCore;
using StateVault.Managers.ApiKeys;
using Xunit;

namespace StateVault.Managers.Tests.AiMlCore;

public sealed class AiMlCoreManagerTests : ManagerTestBase
{
    private AiMlCoreManager Sut => Host.Manager<AiMlCoreManager>();

    [Fact]
    public async Task RegisterModel_WithParameters_RoundTripsThroughTheStore()
    {
        // The original crashed saving any registered model (its dataclass was not JSON serializable).
        var model = Sut.RegisterModel("writer", "anthropic", "claude-sonnet-4", "2025-05-14", ["chat", "tools"], new Dictionary<string, object?>
        {
            ["temperature"] = 0.2,
            ["max_tokens"] = 8192,
            ["stop"] = new[] { "\n\nHuman:" },
            ["tools"] = new Dictionary<string, object?> { ["web"] = true, ["budget"] = null },
        });
        await Sut.SaveNowAsync(Ct);

        var saved = await Host.Vault.LoadLatestAsync<AiMlModelsState>(AiMlCoreManager.ModelsSystem, Ct);

        var restored = saved!.State.Models[model.Id];
        Assert.Equal(8192, restored.Parameters["max_tokens"].GetInt32());
        Assert.Equal("\n\nHuman:", restored.Parameters["stop"][0].GetString());
        Assert.Equal(JsonValueKind.Null, restored.Parameters["tools"].GetProperty("budget").ValueKind);
        Assert.Equal(["chat", "tools"], restored.Capabilities);
        Assert.True(JsonNode.DeepEquals(Sut.CaptureState(AiMlCoreManager.ModelsSystem), JsonSerializer.SerializeToNode(saved.State, Host.Vault.JsonOptions)));
    }

    [Fact]
    public void Registry_StatusChanges_ListedByStatusAndDeleted()
    {
        Sut.RegisterModel("a", "openai", "gpt-4o");
        Sut.RegisterModel("b", "openai", "gpt-4o-mini");
        Sut.UpdateModelStatus("a", ModelStatus.Active);
        Sut.UpdateModelStatus("b", ModelStatus.Deprecated);

        Assert.Equal(["a"], Sut.ListModels(ModelStatus.Active).Select(m => m.Name));
        Assert.Equal(["b"], Sut.ListModels(ModelStatus.Deprecated).Select(m => m.Name));
        Assert.Throws<ArgumentException>(() => Sut.RegisterModel("a", "openai", "other"));
        Assert.Throws<KeyNotFoundException>(() => Sut.UpdateModelStatus("zzz", ModelStatus.Active));
        Assert.True(Sut.DeleteModel("b"));
        Assert.False(Sut.DeleteModel("b"));
        Assert.Equal(["registered", "registered", "status_changed", "status_changed", "deleted"], Sut.ModelsState.ModelRegistrations.Select(r => r.Action));
    }

    [Fact]
    public async Task ExecuteWorkflowAsync_ModelNotActive_FailsAtThatStepAndLeavesTheRestPending()
    {
        Sut.RegisterModel("m", "openai", "gpt-4o");
        var workflow = Sut.CreateWorkflow("pipeline", [("check", MlStepKind.CheckModel, "m"), ("key", MlStepKind.RequestApiKey, "openai")]);

        var execution = await Sut.ExecuteWorkflowAsync(workflow.Id, Ct);

        Assert.Equal(MlStepStatus.Failed, execution.Status);
        Assert.Equal("check", execution.FailedStep);
        var steps = Sut.CoreState.Workflows[workflow.Id].Steps;
        Assert.Equal([MlStepStatus.Failed, MlStepStatus.Pending], steps.Select(s => s.Status));
        Assert.Contains("registered, not active", steps[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteWorkflowAsync_KeyAndWorkflowSteps_GoThroughTheOtherManagers()
    {
        Host.Manager<ApiKeysManager>().AddProviderKey("openai", TestKeys.OpenAIProject);
        Host.Manager<StateVault.Managers.Workflows.AiMlWorkflowsManager>().CreateWorkflow("inner", [new() { Name = "v", Action = "verify_store" }]);
        Sut.RegisterModel("m", "openai", "gpt-4o");
        Sut.UpdateModelStatus("m", ModelStatus.Active);
        var workflow = Sut.CreateWorkflow("pipeline", [("check", MlStepKind.CheckModel, "m"), ("key", MlStepKind.RequestApiKey, "openai"), ("run", MlStepKind.RunWorkflow, "inner")]);

        var execution = await Sut.ExecuteWorkflowAsync(workflow.Id, Ct);

        Assert.Equal(MlStepStatus.Completed, execution.Status);
        var request = Assert.Single(Sut.CoreState.ApiKeyRequests);
        Assert.True(request.Granted);
        Assert.StartsWith("key_", request.KeyId, StringComparison.Ordinal);
        Assert.Equal("request", Host.Manager<ApiKeysManager>().State.KeyOperations[^1].Operation);
        Assert.Single(Host.Manager<StateVault.Managers.Workflows.AiMlWorkflowsManager>().State.ExecutionHistory);
    }

    [Fact]
    public void RequestApiKey_NoKey_RecordedAsNotGranted()
    {
        Assert.Null(Sut.RequestApiKey("anthropic", "summaries"));

        Assert.False(Sut.CoreState.ApiKeyRequests.Single().Granted);
    }
}
