using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Swarm;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>The managers' routes with the real eight managers, plus one controllable double where a test must see an adoption.</summary>
public sealed class ManagerApiTests : IAsyncLifetime
{
    private static readonly string[] s_eight =
        ["core_management", "health_thresholds", "swarm_integration", "gaming_alerts", "dependencies", "ai_ml_workflows", "ai_ml_core", "api_keys"];

    private readonly FakeManagedComponent _probe = new("test_component", "test_component", "test_component_b");
    private ServerHost _sut = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _probe.Figures["active_alerts"] = 3;
        _probe.SetState("test_component_b", new JsonObject { ["models"] = new JsonArray("m1", "m2") });
        _sut = await ServerHost.StartAsync(extraManager: _probe, cancellationToken: Ct);
        _probe.Vault = _sut.Vault;
    }

    public async ValueTask DisposeAsync() => await _sut.DisposeAsync();

    [Fact]
    public async Task ListManagers_RealManagers_ListsTheEightWithNameSystemStatusAndSummary()
    {
        using var client = _sut.Client(_sut.ReaderKey);

        var managers = (await client.GetFromJsonAsync<JsonElement>("api/managers", Ct)).EnumerateArray().ToList();

        Assert.Equal([.. s_eight, "test_component"], managers.Select(m => m.GetProperty("name").GetString()));
        foreach (var manager in managers.Take(8))
        {
            Assert.Equal(manager.GetProperty("name").GetString(), manager.GetProperty("system").GetString());
            Assert.Contains(manager.GetProperty("status").GetString(), (string[])["online", "idle", "busy"]);
            Assert.Equal("healthy", manager.GetProperty("health").GetString());
            Assert.Equal(JsonValueKind.Object, manager.GetProperty("summary").ValueKind);
        }

        var core = managers.Single(m => m.GetProperty("name").GetString() == "ai_ml_core");
        Assert.Equal(["ai_ml_core", "ai_ml_models"], core.GetProperty("systems").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(3, managers[^1].GetProperty("summary").GetProperty("active_alerts").GetInt32());
    }

    [Fact]
    public async Task GetState_RealManager_ReturnsTheLiveStateAsItWouldBeSaved()
    {
        _sut.Manager<HealthThresholdsManager>().SetThreshold("queue_depth", 100, 500, ThresholdDirection.HigherIsWorse);
        using var client = _sut.Client(_sut.ReaderKey);

        var thresholds = JsonNode.Parse(await client.GetStringAsync("api/managers/health_thresholds/state", Ct))!;
        var models = await client.GetStringAsync("api/managers/test_component/state?system=test_component_b", Ct);
        using var foreign = await client.GetAsync("api/managers/ai_ml_core/state?system=health_thresholds", Ct);
        using var unknown = await client.GetAsync("api/managers/nobody/state", Ct);

        Assert.Equal(100, thresholds["thresholds"]!["queue_depth"]!["warning"]!.GetValue<double>());
        Assert.Equal(
            _sut.Manager<HealthThresholdsManager>().CaptureState("health_thresholds").ToJsonString(),
            thresholds.ToJsonString());
        Assert.Equal("""{"models":["m1","m2"]}""", models);
        await SnapshotApiTests.ProblemAsync(foreign, HttpStatusCode.NotFound);
        await SnapshotApiTests.ProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PostSnapshot_ToARealManagersSystem_Returns409SayingSoAndWritesNothing()
    {
        using var client = _sut.Client(_sut.AdminKey);
        var before = await _sut.Vault.GetLatestSequenceAsync("ai_ml_models", Ct);

        using var response = await client.PostAsync("api/systems/ai_ml_models/snapshots", SnapshotApiTests.Json("""{"models":[]}"""), Ct);

        var problem = await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("ai_ml_core", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("manager", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("ai_ml_core", problem.GetProperty("manager").GetString());
        Assert.Equal(before, await _sut.Vault.GetLatestSequenceAsync("ai_ml_models", Ct));
    }

    [Fact]
    public async Task PostSnapshot_ToASystemOfAnOfflineManager_IsAccepted()
    {
        _probe.Status = "offline";
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PostAsync("api/systems/test_component_b/snapshots", SnapshotApiTests.Json("""{"models":[]}"""), Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Restore_OfARealManagersSnapshot_TheLiveManagerAdoptsItAtOnce()
    {
        var thresholds = _sut.Manager<HealthThresholdsManager>();
        using var client = _sut.Client(_sut.WriterKey);
        thresholds.SetThreshold("restore_probe", 1, 2, ThresholdDirection.HigherIsWorse);
        (await client.PostAsync("api/managers/health_thresholds/save", null, Ct)).EnsureSuccessStatusCode();
        var withProbe = await _sut.Vault.GetLatestSequenceAsync("health_thresholds", Ct);
        thresholds.RemoveThreshold("restore_probe");
        (await client.PostAsync("api/managers/health_thresholds/save", null, Ct)).EnsureSuccessStatusCode();
        Assert.Null(thresholds.GetThreshold("restore_probe"));

        using var response = await client.PostAsync($"api/systems/health_thresholds/snapshots/{withProbe}/restore", null, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotNull(thresholds.GetThreshold("restore_probe"));
        var state = JsonNode.Parse(await client.GetStringAsync("api/managers/health_thresholds/state", Ct))!;
        Assert.Equal(1, state["thresholds"]!["restore_probe"]!["warning"]!.GetValue<double>());

        // The restored snapshot is the base of the manager's next compare-and-set: its next change is no conflict.
        await thresholds.SetThresholdAsync("after_restore", 3, 4, ThresholdDirection.HigherIsWorse, cancellationToken: Ct);
        var newest = JsonNode.Parse((await _sut.Vault.LoadLatestJsonAsync("health_thresholds", Ct))!.Json.Span)!;
        Assert.NotNull(newest["thresholds"]!["restore_probe"]);
        Assert.NotNull(newest["thresholds"]!["after_restore"]);
        Assert.Equal(0, _sut.Persistence.GetStatus("health_thresholds").Conflicts);
    }

    [Fact]
    public async Task Restore_OfAManagersSnapshot_PassesTheRestoredSnapshotToAdoptAsync()
    {
        await _sut.Vault.SaveJsonAsync("test_component", """{"cpu":{"warning":60}}"""u8.ToArray(), cancellationToken: Ct);
        var first = await _sut.Vault.GetLatestSequenceAsync("test_component", Ct);
        await _sut.Vault.SaveJsonAsync("test_component", """{"cpu":{"warning":90}}"""u8.ToArray(), cancellationToken: Ct);
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PostAsync($"api/systems/test_component/snapshots/{first}/restore", null, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var (system, snapshot) = Assert.Single(_probe.Adopted);
        Assert.Equal("test_component", system);
        Assert.Equal(first + 2, snapshot.Metadata.Sequence);
        Assert.Equal(first.ToString(System.Globalization.CultureInfo.InvariantCulture), snapshot.Metadata.Attributes["restored_from"]);
        Assert.Equal("""{"cpu":{"warning":60}}""", await client.GetStringAsync("api/managers/test_component/state", Ct));
    }

    [Fact]
    public async Task SaveManager_RealManager_SavesAndTheSaveCountsInTheSystemsSuccessRate()
    {
        _sut.Manager<SwarmIntegrationManager>().RegisterAgent("saver", ["save"]);
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PostAsync("api/managers/swarm_integration/save", null, Ct);
        var systems = await client.GetFromJsonAsync<JsonElement>("api/systems", Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var system = systems.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "swarm_integration");
        Assert.Equal("swarm_integration", system.GetProperty("manager").GetString());
        Assert.True(system.GetProperty("saves").GetProperty("succeeded").GetInt64() >= 1);
        var saved = await _sut.Vault.LoadLatestJsonAsync("swarm_integration", Ct);
        Assert.Contains("saver", System.Text.Encoding.UTF8.GetString(saved!.Json.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_StreamSavesAndManagerStateChanges()
    {
        using var client = _sut.Client(_sut.ReaderKey);
        using var response = await client.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        Assert.Contains("hello", await NextDataAsync(reader), StringComparison.Ordinal);

        _sut.Manager<SwarmIntegrationManager>().RegisterAgent("event_source", ["events"]);
        var managerEvent = await NextEventAsync(reader, e => e.GetProperty("kind").GetString() == "manager");
        await _sut.Vault.SaveJsonAsync("external", "{}"u8.ToArray(), cancellationToken: Ct);
        var saveEvent = await NextEventAsync(reader, e => e.GetProperty("kind").GetString() == "saved" && e.GetProperty("system").GetString() == "external");

        Assert.Equal("swarm_integration", managerEvent.GetProperty("manager").GetString());
        Assert.Equal("success", saveEvent.GetProperty("result").GetString());
    }

    private static async Task<JsonElement> NextEventAsync(StreamReader reader, Func<JsonElement, bool> match)
    {
        while (true)
        {
            var data = JsonDocument.Parse(await NextDataAsync(reader)).RootElement;
            if (match(data))
            {
                return data;
            }
        }
    }

    private static async Task<string> NextDataAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                return line["data:".Length..].Trim();
            }
        }

        throw new EndOfStreamException("The event stream ended.");
    }
}
