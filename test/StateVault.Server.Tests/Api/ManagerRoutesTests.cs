using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StateVault.Managers.AiMlCore;
using StateVault.Managers.Core;
using StateVault.Managers.Dependencies;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Swarm;
using StateVault.Managers.Workflows;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>Each manager's own routes: at least one read and one operation per manager, checked against the live manager.</summary>
public sealed class ManagerRoutesTests : IAsyncLifetime
{
    private ServerHost _sut = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _sut = await ServerHost.StartAsync(cancellationToken: Ct);

    public async ValueTask DisposeAsync() => await _sut.DisposeAsync();

    /// <summary>The JSON body of a successful response; otherwise fails with the status and the Problem Details.</summary>
    private static async Task<JsonElement> OkJsonAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task HealthThresholds_SetEvaluateRemove_ChangeTheLiveManager()
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var set = await client.PutAsJsonAsync("api/managers/health_thresholds/thresholds/queue_depth", new { warning = 100, critical = 500 }, Ct);
        var evaluated = await OkJsonAsync(client.PostAsJsonAsync("api/managers/health_thresholds/evaluate", new { metric = "queue_depth", value = 600 }, Ct));
        var rate = await OkJsonAsync(client.PostAsJsonAsync("api/managers/health_thresholds/evaluate", new { metric = "task_completion_rate", value = 95 }, Ct));
        var listed = await client.GetFromJsonAsync<JsonElement>("api/managers/health_thresholds/thresholds", Ct);
        using var invalid = await client.PutAsJsonAsync("api/managers/health_thresholds/thresholds/bad", new { warning = double.NaN.ToString(System.Globalization.CultureInfo.InvariantCulture), critical = 1 }, Ct);
        using var removed = await client.DeleteAsync("api/managers/health_thresholds/thresholds/queue_depth", Ct);
        using var gone = await client.GetAsync("api/managers/health_thresholds/thresholds/queue_depth", Ct);

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("critical", evaluated.GetProperty("level").GetString());
        Assert.Equal("good", rate.GetProperty("level").GetString());
        Assert.Contains(listed.EnumerateArray(), t => t.GetProperty("metric").GetString() == "queue_depth");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await SnapshotApiTests.ProblemAsync(gone, HttpStatusCode.NotFound);
        Assert.Null(_sut.Manager<HealthThresholdsManager>().GetThreshold("queue_depth"));
    }

    [Fact]
    public async Task GamingAlerts_SampleAcknowledgeResolve_AlertLifecycle()
    {
        using var client = _sut.Client(_sut.WriterKey);

        var created = await OkJsonAsync(client.PostAsJsonAsync("api/managers/gaming_alerts/samples", new { gameSystem = "arena", metrics = new Dictionary<string, double> { ["frame_rate"] = 4 } }, Ct));
        var id = created.EnumerateArray().Single().GetProperty("id").GetString()!;
        var active = await client.GetFromJsonAsync<JsonElement>("api/managers/gaming_alerts/alerts?gameSystem=arena", Ct);
        using var acknowledged = await client.PostAsJsonAsync($"api/managers/gaming_alerts/alerts/{id}/acknowledge", new { by = "operator" }, Ct);
        using var resolved = await client.PostAsync($"api/managers/gaming_alerts/alerts/{id}/resolve", null, Ct);
        using var again = await client.PostAsync($"api/managers/gaming_alerts/alerts/{id}/resolve", null, Ct);
        var summary = await client.GetFromJsonAsync<JsonElement>("api/managers/gaming_alerts/alerts/summary", Ct);

        Assert.Equal(id, active.EnumerateArray().Single().GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.NoContent, acknowledged.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, resolved.StatusCode);
        await SnapshotApiTests.ProblemAsync(again, HttpStatusCode.NotFound);
        Assert.Equal(0, summary.GetProperty("open").GetInt32());
        Assert.Empty(_sut.Manager<GamingAlertsManager>().GetActiveAlerts("arena"));
    }

    [Fact]
    public async Task Swarm_AgentsTasksMessages_RecordedByTheManager()
    {
        using var client = _sut.Client(_sut.WriterKey);

        var agent = await OkJsonAsync(client.PostAsJsonAsync("api/managers/swarm_integration/agents", new { name = "planner", capabilities = new[] { "plan" } }, Ct));
        var agentId = agent.GetProperty("id").GetString()!;
        await OkJsonAsync(client.PostAsync($"api/managers/swarm_integration/agents/{agentId}/integrate", null, Ct));
        var task = await OkJsonAsync(client.PostAsJsonAsync("api/managers/swarm_integration/tasks", new { description = "plan the release", agentIds = new[] { agentId } }, Ct));
        using var result = await client.PostAsJsonAsync($"api/managers/swarm_integration/tasks/{task.GetProperty("id").GetString()}/results", new { agentId, success = true, output = "done" }, Ct);
        using var message = await client.PostAsJsonAsync("api/managers/swarm_integration/messages", new { from = agentId, to = "broadcast", type = "status", content = "ready" }, Ct);
        var messages = await client.GetFromJsonAsync<JsonElement>($"api/managers/swarm_integration/messages?agentId={agentId}", Ct);
        var agents = await client.GetFromJsonAsync<JsonElement>("api/managers/swarm_integration/agents", Ct);
        using var unknown = await client.PostAsync("api/managers/swarm_integration/agents/nobody/integrate", null, Ct);

        Assert.True(result.IsSuccessStatusCode, await result.Content.ReadAsStringAsync(Ct));
        Assert.True(message.IsSuccessStatusCode, await message.Content.ReadAsStringAsync(Ct));
        Assert.Single(messages.EnumerateArray());
        Assert.Contains(agents.EnumerateArray(), a => a.GetProperty("id").GetString() == agentId);
        Assert.True((int)unknown.StatusCode is 404 or 400, $"unknown agent gave {unknown.StatusCode}");
        Assert.Single(_sut.Manager<SwarmIntegrationManager>().State.CoordinationTasks);
    }

    [Fact]
    public async Task Workflows_DefineRunAndProcessStepsNeedAdmin()
    {
        using var writer = _sut.Client(_sut.WriterKey);
        using var admin = _sut.Client(_sut.AdminKey);
        var verify = new { name = "verify", action = "verify_store" };
        var process = new { name = "external", action = "process", executable = "/bin/true" };

        var defined = await OkJsonAsync(writer.PostAsJsonAsync("api/managers/ai_ml_workflows/workflows", new { name = "nightly", steps = new[] { verify } }, Ct));
        using var run = await writer.PostAsync($"api/managers/ai_ml_workflows/workflows/{defined.GetProperty("id").GetString()}/run", null, Ct);
        var runs = await writer.GetFromJsonAsync<JsonElement>("api/managers/ai_ml_workflows/runs", Ct);
        using var processByWriter = await writer.PostAsJsonAsync("api/managers/ai_ml_workflows/workflows", new { name = "ext", steps = new object[] { process } }, Ct);
        using var processByAdmin = await admin.PostAsJsonAsync("api/managers/ai_ml_workflows/workflows", new { name = "ext", steps = new object[] { process } }, Ct);

        Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync(Ct));
        Assert.Single(runs.GetProperty("history").EnumerateArray());
        await SnapshotApiTests.ProblemAsync(processByWriter, HttpStatusCode.Forbidden);
        // An admin passes the role check; the manager still refuses an executable that is not on its allow-list.
        var refused = await SnapshotApiTests.ProblemAsync(processByAdmin, HttpStatusCode.BadRequest);
        Assert.Contains("allow-list", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(_sut.Manager<AiMlWorkflowsManager>().FindWorkflow("ext"));
        Assert.Single(_sut.Manager<AiMlWorkflowsManager>().State.ExecutionHistory);
    }

    [Fact]
    public async Task AiMlCore_RegisterUpdateListDeleteModel()
    {
        using var client = _sut.Client(_sut.WriterKey);

        var model = await OkJsonAsync(client.PostAsJsonAsync("api/managers/ai_ml_core/models", new { name = "summarizer", provider = "openai", modelId = "gpt-x", capabilities = new[] { "text" } }, Ct));
        using var activated = await client.PutAsJsonAsync("api/managers/ai_ml_core/models/summarizer/status", new { status = "active" }, Ct);
        var active = await OkJsonAsync(client.GetAsync("api/managers/ai_ml_core/models?status=Active", Ct));
        using var deleted = await client.DeleteAsync("api/managers/ai_ml_core/models/summarizer", Ct);
        using var gone = await client.GetAsync("api/managers/ai_ml_core/models/summarizer", Ct);

        Assert.Equal("summarizer", model.GetProperty("name").GetString());
        Assert.True(activated.IsSuccessStatusCode, await activated.Content.ReadAsStringAsync(Ct));
        Assert.Single(active.EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await SnapshotApiTests.ProblemAsync(gone, HttpStatusCode.NotFound);
        Assert.Empty(_sut.Manager<AiMlCoreManager>().ListModels());
    }

    [Fact]
    public async Task ApiKeys_ProviderKeyMetadataAndSecurityChecks_NeverTheKey()
    {
        const string rawKey = "sk-ant-api03-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrSt-AbCdEfAA";
        var info = _sut.Manager<StateVault.Managers.ApiKeys.ApiKeysManager>().AddProviderKey("anthropic", rawKey);
        using var client = _sut.Client(_sut.WriterKey);

        var listed = await client.GetStringAsync("api/managers/api_keys/provider-keys", Ct);
        using var validated = await client.PostAsync($"api/managers/api_keys/provider-keys/{info.Record.Id}/validate", null, Ct);
        using var checks = await client.PostAsync("api/managers/api_keys/security-checks", null, Ct);
        using var removeByWriter = await client.DeleteAsync($"api/managers/api_keys/provider-keys/{info.Record.Id}", Ct);

        Assert.Contains(info.Record.Id, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(rawKey, listed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        Assert.DoesNotContain(rawKey, await validated.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, checks.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, removeByWriter.StatusCode);
    }

    [Fact]
    public async Task CoreManagement_ComponentsAndConfig()
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var registered = await client.PostAsJsonAsync("api/managers/core_management/components", new { name = "billing", type = "service", status = "online" }, Ct);
        using var config = await client.PutAsJsonAsync("api/managers/core_management/config/region", new { value = "eu-west" }, Ct);
        var components = await client.GetFromJsonAsync<JsonElement>("api/managers/core_management/components", Ct);
        var values = await client.GetFromJsonAsync<JsonElement>("api/managers/core_management/config", Ct);

        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, config.StatusCode);
        Assert.Contains(components.EnumerateArray(), c => c.GetProperty("name").GetString() == "billing");
        Assert.Contains(components.EnumerateArray(), c => c.GetProperty("name").GetString() == "health_thresholds");
        Assert.Equal("eu-west", values.GetProperty("region").GetString());
        Assert.Equal("eu-west", _sut.Manager<CoreManager>().State.Config["region"]);
    }

    [Fact]
    public async Task Dependencies_DeclareAndCheck()
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var declared = await client.PostAsJsonAsync("api/managers/dependencies", new { name = "json", kind = "assembly", target = "System.Text.Json" }, Ct);
        var checkedOne = await OkJsonAsync(client.PostAsync("api/managers/dependencies/json/check?force=true", null, Ct));
        var listed = await client.GetFromJsonAsync<JsonElement>("api/managers/dependencies", Ct);
        using var unknown = await client.PostAsync("api/managers/dependencies/nothing_here/check", null, Ct);

        Assert.Equal(HttpStatusCode.OK, declared.StatusCode);
        Assert.Equal("json", checkedOne.GetProperty("name").GetString());
        Assert.Contains(listed.EnumerateArray(), d => d.GetProperty("name").GetString() == "json");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.True(_sut.Manager<DependenciesManager>().State.Dependencies.ContainsKey("json"));
    }

    [Fact]
    public async Task ManagerOperations_WithAReaderKey_Are403()
    {
        using var reader = _sut.Client(_sut.ReaderKey);

        using var read = await reader.GetAsync("api/managers/gaming_alerts/alerts", Ct);
        using var write = await reader.PostAsJsonAsync("api/managers/swarm_integration/agents", new { name = "x" }, Ct);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
    }
}
