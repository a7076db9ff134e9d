using System.Net.Http.Json;
using System.Text.Json;
using StateVault.Managers.Legacy;
using StateVault.Server.Tests.Support;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>
/// The original system's sample files imported into a store, then the server started on it: each manager serves the imported
/// data from its own routes and from <c>GET /api/managers/{name}/state</c>.
/// </summary>
public sealed class LegacyImportRoutesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A server on a store the samples were imported into (the store is deleted with the host).</summary>
    internal static async Task<ServerHost> StartOnImportedSamplesAsync(CancellationToken cancellationToken)
    {
        var samples = LegacySamples.RequireDirectory();
        var root = Path.Combine(Path.GetTempPath(), "sv-legacy-" + Guid.NewGuid().ToString("N"));
        await using (var vault = new SnapshotVault(FileSnapshotStoreProvider.Create(root)))
        {
            var report = await LegacyImporter.ImportAsync(vault, samples, new LegacyImportOptions { TimeZone = TimeZoneInfo.Utc }, null, cancellationToken);
            Assert.Equal(8, report.Imported);
        }

        return await ServerHost.StartAsync(root, cancellationToken: cancellationToken, ownsRoot: true);
    }

    [Fact]
    public async Task ManagerRoutes_AfterImportingTheSamples_ServeTheImportedData()
    {
        await using var server = await StartOnImportedSamplesAsync(Ct);
        using var client = server.Client(server.ReaderKey);
        async Task<JsonElement> Get(string path) => await client.GetFromJsonAsync<JsonElement>("api/managers/" + path, Ct);

        var alerts = await Get("gaming_alerts/alerts");
        Assert.Equal(5, alerts.GetArrayLength());
        Assert.Equal("critical", alerts[0].GetProperty("severity").GetString());
        Assert.Contains(alerts.EnumerateArray(), a => a.GetProperty("id").GetString() == "gaming_memory_usage_1795763351" && a.GetProperty("value").GetDouble() == 9000);
        Assert.Equal(7, (await Get("gaming_alerts/alerts/history")).GetArrayLength());
        var gamingThresholds = await Get("gaming_alerts/thresholds");
        Assert.Equal(5, gamingThresholds.GetArrayLength());
        Assert.Contains(gamingThresholds.EnumerateArray(), t => t.GetProperty("metric").GetString() == "network_latency" && t.GetProperty("high").ValueKind == JsonValueKind.Null);

        var thresholds = await Get("health_thresholds/thresholds");
        Assert.Equal(10, thresholds.GetArrayLength());
        var response = thresholds.EnumerateArray().Single(t => t.GetProperty("metric").GetString() == "response_time");
        Assert.Equal((800, 3000, "ms"), (response.GetProperty("warning").GetDouble(), response.GetProperty("critical").GetDouble(), response.GetProperty("unit").GetString()));

        Assert.Equal(5, (await Get("swarm_integration/agents")).GetArrayLength());
        Assert.Equal(2, (await Get("swarm_integration/tasks")).GetArrayLength());
        Assert.Equal(2, (await Get("swarm_integration/messages")).GetArrayLength());

        var dependencies = await Get("dependencies");
        Assert.Equal(13, dependencies.EnumerateArray().Count(d => d.GetProperty("kind").GetString() == "pythonModule"));
        Assert.Equal(4, (await Get("dependencies/failed")).GetProperty("failed").EnumerateArray().Count(d => d.GetProperty("kind").GetString() == "pythonModule"));

        var models = await Get("ai_ml_core/models");
        Assert.Equal(3, models.GetArrayLength());
        Assert.Contains(models.EnumerateArray(), m => m.GetProperty("status").GetString() == "deployed" && m.GetProperty("framework").GetString() == "scikit_learn");
        Assert.Equal(2, (await Get("ai_ml_core/workflows")).GetArrayLength());

        // The server added its own operations (the test's access keys) after the imported ones.
        Assert.Equal(7, (await Get("api_keys/operations")).EnumerateArray().Count(o => o.GetProperty("id").GetString()!.StartsWith("keyop_legacy_", StringComparison.Ordinal)));
        Assert.Equal("secure_storage", (await Get("api_keys/security-checks"))[0].GetProperty("checkType").GetString());

        var components = await Get("core_management/components");
        foreach (var name in new[] { "health_threshold_manager", "swarm_integration_manager", "gaming_alert_manager", "test", "dependency_manager", "ai_manager" })
        {
            Assert.Contains(components.EnumerateArray(), c => c.GetProperty("name").GetString() == name);
        }

        Assert.True((await Get("core_management/config")).TryGetProperty("coordinates", out _));

        var health = await Get("health_thresholds/state");
        Assert.Equal("Agent inbox queue depth threshold", health.GetProperty("thresholds").GetProperty("queue_depth").GetProperty("description").GetString());
        Assert.Equal(8, health.GetProperty("validation_operations").EnumerateArray().Count(v => v.GetProperty("id").GetString()!.Contains("legacy", StringComparison.Ordinal)));
        var ai = await Get("ai_ml_core/state?system=ai_ml_core");
        Assert.Equal("0613", ai.GetProperty("models").GetProperty("gpt-4").GetProperty("version").GetString());
        var gaming = await Get("gaming_alerts/state");
        Assert.Equal(5, gaming.GetProperty("active_alerts").EnumerateObject().Count());
    }
}
