using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Api;

public sealed class ManagerApiTests : IAsyncLifetime
{
    private readonly FakeManagedComponent _thresholds = new("health_thresholds", "health_thresholds");
    private readonly FakeManagedComponent _core = new("ai_ml_core", "ai_ml_core", "ai_ml_models");
    private FakeManagerRegistry _registry = null!;
    private ServerHost _sut = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _thresholds.Figures["active_alerts"] = 3;
        _thresholds.SetState("health_thresholds", new JsonObject { ["cpu"] = new JsonObject { ["warning"] = 75 } });
        _core.Status = "recovering";
        _core.SetState("ai_ml_models", new JsonObject { ["models"] = new JsonArray("m1", "m2") });
        _registry = new FakeManagerRegistry(_thresholds, _core);
        _sut = await ServerHost.StartAsync(managers: _registry, cancellationToken: Ct);
        _thresholds.Vault = _sut.Vault;
    }

    public async ValueTask DisposeAsync() => await _sut.DisposeAsync();

    [Fact]
    public async Task ListManagers_ShowsNameSystemStatusHealthAndSummary()
    {
        using var client = _sut.Client(_sut.ReaderKey);

        var managers = (await client.GetFromJsonAsync<JsonElement>("api/managers", Ct)).EnumerateArray().ToList();

        Assert.Equal(["health_thresholds", "ai_ml_core"], managers.Select(m => m.GetProperty("name").GetString()));
        Assert.Equal("health_thresholds", managers[0].GetProperty("system").GetString());
        Assert.Equal("online", managers[0].GetProperty("status").GetString());
        Assert.Equal("healthy", managers[0].GetProperty("health").GetString());
        Assert.Equal(3, managers[0].GetProperty("summary").GetProperty("active_alerts").GetInt32());
        Assert.Equal(["ai_ml_core", "ai_ml_models"], managers[1].GetProperty("systems").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("degraded", managers[1].GetProperty("health").GetString());
    }

    [Fact]
    public async Task GetState_ReturnsTheLiveStateOfTheRequestedSystem()
    {
        using var client = _sut.Client(_sut.ReaderKey);

        var thresholds = await client.GetStringAsync("api/managers/health_thresholds/state", Ct);
        var models = await client.GetStringAsync("api/managers/ai_ml_core/state?system=ai_ml_models", Ct);
        using var foreign = await client.GetAsync("api/managers/ai_ml_core/state?system=health_thresholds", Ct);
        using var unknown = await client.GetAsync("api/managers/nobody/state", Ct);

        Assert.Equal("""{"cpu":{"warning":75}}""", thresholds);
        Assert.Equal("""{"models":["m1","m2"]}""", models);
        await SnapshotApiTests.ProblemAsync(foreign, HttpStatusCode.NotFound);
        await SnapshotApiTests.ProblemAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PostSnapshot_ToAManagerOwnedSystem_Returns409SayingSoAndWritesNothing()
    {
        using var client = _sut.Client(_sut.AdminKey);

        using var response = await client.PostAsync("api/systems/ai_ml_models/snapshots", SnapshotApiTests.Json("""{"models":[]}"""), Ct);

        var problem = await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("ai_ml_core", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("manager", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("ai_ml_core", problem.GetProperty("manager").GetString());
        Assert.Empty(_sut.StoredFiles());
    }

    [Fact]
    public async Task PostSnapshot_ToASystemOfAnOfflineManager_IsAccepted()
    {
        _core.Status = "offline";
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PostAsync("api/systems/ai_ml_models/snapshots", SnapshotApiTests.Json("""{"models":[]}"""), Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Restore_OfAManagerOwnedSystem_MakesTheManagerAdoptTheRestoredSnapshot()
    {
        await _sut.Vault.SaveJsonAsync("health_thresholds", """{"cpu":{"warning":60}}"""u8.ToArray(), cancellationToken: Ct);
        await _sut.Vault.SaveJsonAsync("health_thresholds", """{"cpu":{"warning":90}}"""u8.ToArray(), cancellationToken: Ct);
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PostAsync("api/systems/health_thresholds/snapshots/1/restore", null, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var (system, snapshot) = Assert.Single(_thresholds.Adopted);
        Assert.Equal("health_thresholds", system);
        Assert.Equal(3, snapshot.Metadata.Sequence);
        Assert.Equal("1", snapshot.Metadata.Attributes["restored_from"]);
        Assert.Equal("""{"cpu":{"warning":60}}""", await client.GetStringAsync("api/managers/health_thresholds/state", Ct));
    }

    [Fact]
    public async Task SaveManager_CallsSaveNowAndTheSaveShowsInTheSystems()
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PostAsync("api/managers/health_thresholds/save", null, Ct);
        var systems = await client.GetFromJsonAsync<JsonElement>("api/systems", Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, _thresholds.SaveRequests);
        var system = Assert.Single(systems.EnumerateArray());
        Assert.Equal("health_thresholds", system.GetProperty("manager").GetString());
        Assert.Equal(1, system.GetProperty("saves").GetProperty("succeeded").GetInt64());
    }

    [Fact]
    public async Task Events_StreamSavesAndManagerStateChanges()
    {
        using var client = _sut.Client(_sut.ReaderKey);
        using var response = await client.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        Assert.Contains("hello", await NextDataAsync(reader), StringComparison.Ordinal);

        _registry.RaiseStateChanged("health_thresholds", "health_thresholds");
        var managerEvent = JsonDocument.Parse(await NextDataAsync(reader)).RootElement;
        await _sut.Vault.SaveJsonAsync("external", "{}"u8.ToArray(), cancellationToken: Ct);
        var saveEvent = JsonDocument.Parse(await NextDataAsync(reader)).RootElement;

        Assert.Equal("manager", managerEvent.GetProperty("kind").GetString());
        Assert.Equal("health_thresholds", managerEvent.GetProperty("manager").GetString());
        Assert.Equal("saved", saveEvent.GetProperty("kind").GetString());
        Assert.Equal("external", saveEvent.GetProperty("system").GetString());
        Assert.Equal("success", saveEvent.GetProperty("result").GetString());
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
