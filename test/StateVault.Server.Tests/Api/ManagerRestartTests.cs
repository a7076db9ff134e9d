using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Api;

public sealed class ManagerRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Restart_AfterOperatingManagersThroughTheApi_NewHostOnTheSameStoreHasTheSameState()
    {
        var root = Path.Combine(Path.GetTempPath(), "sv-mrestart-" + Guid.NewGuid().ToString("N"));
        try
        {
            string key;
            string thresholdsBefore;
            string swarmBefore;
            string alertsBefore;
            await using (var first = await ServerHost.StartAsync(storeRoot: root, cancellationToken: Ct))
            {
                key = first.WriterKey;
                using var client = first.Client(key);
                (await client.PutAsJsonAsync("api/managers/health_thresholds/thresholds/queue_depth", new { warning = 100, critical = 500, direction = "higherIsWorse" }, Ct)).EnsureSuccessStatusCode();
                (await client.PostAsJsonAsync("api/managers/swarm_integration/agents", new { name = "planner", capabilities = new[] { "plan" } }, Ct)).EnsureSuccessStatusCode();
                (await client.PostAsJsonAsync("api/managers/gaming_alerts/samples", new { gameSystem = "arena", metrics = new Dictionary<string, double> { ["frame_rate"] = 10 } }, Ct)).EnsureSuccessStatusCode();
                thresholdsBefore = await client.GetStringAsync("api/managers/health_thresholds/state", Ct);
                swarmBefore = await client.GetStringAsync("api/managers/swarm_integration/state", Ct);
                alertsBefore = await client.GetStringAsync("api/managers/gaming_alerts/state", Ct);

                // Host stop, as SIGTERM does: every dirty manager is saved before it returns.
                await first.StopAsync();
            }

            await using var second = await ServerHost.StartAsync(storeRoot: root, createKeys: false, cancellationToken: Ct);
            using var again = second.Client(key);

            var thresholds = JsonNode.Parse(await again.GetStringAsync("api/managers/health_thresholds/state", Ct))!;
            Assert.Equal(100, thresholds["thresholds"]!["queue_depth"]!["warning"]!.GetValue<double>());
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(thresholdsBefore), thresholds));
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(swarmBefore), JsonNode.Parse(await again.GetStringAsync("api/managers/swarm_integration/state", Ct))));
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(alertsBefore), JsonNode.Parse(await again.GetStringAsync("api/managers/gaming_alerts/state", Ct))));
            var agents = await again.GetFromJsonAsync<JsonElement>("api/managers/swarm_integration/agents", Ct);
            Assert.Contains(agents.EnumerateArray(), a => a.GetProperty("name").GetString() == "planner");
            using var alerts = await again.GetAsync("api/managers/gaming_alerts/alerts?gameSystem=arena", Ct);
            Assert.Equal(HttpStatusCode.OK, alerts.StatusCode);
            Assert.NotEmpty((await alerts.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray());
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
