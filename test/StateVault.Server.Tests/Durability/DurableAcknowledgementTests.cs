using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StateVault.Hosting;
using StateVault.Managers.Core;
using StateVault.Managers.Dependencies;
using StateVault.Managers.HealthThresholds;
using StateVault.Server.Tests.Support;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.Durability;

/// <summary>HTTP 2xx on a manager route means durable; a store outage answers 503 fast; an idle server writes nothing.</summary>
public sealed class DurableAcknowledgementTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PutConfig_204_ValueIsInTheNewestSnapshotAtOnce()
    {
        // ServerHost sets the autosave to one hour: only the acknowledgement itself can have saved it.
        await using var sut = await ServerHost.StartAsync(cancellationToken: Ct);
        using var client = sut.Client(sut.WriterKey);

        using var response = await client.PutAsJsonAsync("api/managers/core_management/config/region", new { value = "eu-west-1" }, Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var saved = await sut.Vault.LoadLatestJsonAsync(CoreManager.ManagerName, Ct);
        Assert.Equal("eu-west-1", JsonNode.Parse(saved!.Json.Span)!["config"]!["region"]!.GetValue<string>());
    }

    [Fact]
    public async Task ManagerRoutes_EveryWriteAcknowledged_NothingLeftDirty()
    {
        // No heartbeat dependency checks: they may change the dependencies system in the background at any moment.
        await using var sut = await ServerHost.StartAsync(settings: new Dictionary<string, string> { ["StateVault:Managers:Dependencies:CheckOnHeartbeat"] = "false" }, cancellationToken: Ct);
        using var client = sut.Client(sut.AdminKey);
        (HttpMethod Method, string Path, object? Body)[] writes =
        [
            (HttpMethod.Post, "api/managers/core_management/components", new { name = "worker", type = "Worker" }),
            (HttpMethod.Put, "api/managers/health_thresholds/thresholds/queue_depth", new { warning = 1, critical = 2 }),
            (HttpMethod.Post, "api/managers/health_thresholds/evaluate", new { metric = "queue_depth", value = 3 }),
            (HttpMethod.Post, "api/managers/swarm_integration/agents", new { name = "planner", capabilities = new[] { "plan" } }),
            (HttpMethod.Post, "api/managers/gaming_alerts/samples", new { gameSystem = "arena", metrics = new Dictionary<string, double> { ["fps"] = 5 } }),
            (HttpMethod.Post, "api/managers/dependencies/", new { name = "runtime", kind = "assembly", target = "System.Runtime" }),
            (HttpMethod.Post, "api/managers/ai_ml_workflows/workflows", new { name = "nightly", steps = new[] { new { name = "verify", action = "verify_store" } } }),
            (HttpMethod.Post, "api/managers/ai_ml_core/models", new { name = "m", provider = "local", modelId = "m-1" }),
            (HttpMethod.Post, "api/managers/api_keys/security-checks", null),
        ];

        foreach (var manager in sut.Managers.Managers)
        {
            await manager.SaveNowAsync(Ct); // the defaults marked at first start (ServerHost turns the autosave off)
        }

        foreach (var (method, path, body) in writes)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await client.SendAsync(request, Ct);
            Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
            var system = path.Split('/')[2] is "ai_ml_core" ? "ai_ml_models" : path.Split('/')[2];
            Assert.False(
                sut.App.Services.GetRequiredService<IStatePersistence>().GetStatus(system).Dirty,
                $"{method} {path} was acknowledged while {system} held unsaved changes");
        }
    }

    [Fact]
    public async Task PutConfig_StoreDown_503WithRetryAfterHealthDegradedReadsWorkAndStoredAfterRecovery()
    {
        FailingSystemsStore? store = null;
        await using var sut = await ServerHost.StartAsync(
            cancellationToken: Ct,
            decorateStore: inner => store = new FailingSystemsStore(inner));
        using var client = sut.Client(sut.WriterKey);
        store!.FailFor = system => system == CoreManager.ManagerName;

        using var response = await client.PutAsJsonAsync("api/managers/core_management/config/region", new { value = "eu-west-1" }, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Contains("Nothing was acknowledged", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var health = await client.GetAsync("health", Ct);
        Assert.Equal("Degraded", JsonDocument.Parse(await health.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("status").GetString());
        using var read = await client.GetAsync("api/managers/core_management/config", Ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode); // reads keep working (and show the change that is not acknowledged yet)

        store.FailFor = _ => false;
        await Eventually.TrueAsync(
            async () => (await sut.Vault.LoadLatestJsonAsync(CoreManager.ManagerName, Ct)) is { } s && JsonNode.Parse(s.Json.Span)!["config"]!["region"] is not null,
            "the pending change stored by the background retry");
    }

    [Fact]
    public async Task IdleServer_TwoMinutesAfterStartUpSettled_WritesNoSnapshot()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        // The defaults of a real server (ServerHost turns the timers off): 2 s debounce, 30 s ceiling, a host sample every 15 s,
        // a heartbeat (and dependency checks) every 30 s.
        await using var sut = await ServerHost.StartAsync(
            timeProvider: time,
            settings: new Dictionary<string, string>
            {
                ["StateVault:AutosaveDebounce"] = "00:00:02",
                ["StateVault:AutosaveMaxInterval"] = "00:00:30",
                ["StateVault:Server:HostMetricsInterval"] = "00:00:15",
            },
            cancellationToken: Ct);
        var persistence = sut.App.Services.GetRequiredService<IStatePersistence>();
        var systems = sut.Managers.Managers.SelectMany(m => m.Systems).ToList();
        var thresholds = sut.Manager<HealthThresholdsManager>();
        var dependencies = sut.Manager<DependenciesManager>();
        var checks = 0;
        dependencies.OperationCompleted += (_, e) =>
        {
            if (e.Record.Operation == "check_all_dependencies")
            {
                Interlocked.Increment(ref checks);
            }
        };

        // Start-up settles: the first saves, and the first heartbeat's dependency checks (which find each dependency's status
        // for the first time — a domain fact, stored once).
        await Eventually.TrueAsync(
            () => Volatile.Read(ref checks) >= 1 && persistence.GetStatuses().All(s => !s.Dirty),
            "start-up saves and the first dependency checks settle",
            between: () => time.Advance(TimeSpan.FromSeconds(1)));
        var before = new Dictionary<string, long>();
        foreach (var system in systems)
        {
            before[system] = await sut.Vault.GetLatestSequenceAsync(system, Ct);
        }

        // Two minutes idle, one second at a time; the telemetry runs meanwhile: host samples, heartbeats and the heartbeat's
        // dependency checks (each heartbeat's check is let finish before the clock goes on, so none is skipped).
        var idleFrom = time.GetUtcNow();
        var checksBefore = Volatile.Read(ref checks);
        await Eventually.TrueAsync(
            () => time.GetUtcNow() - idleFrom >= TimeSpan.FromMinutes(2)
                && Volatile.Read(ref checks) - checksBefore >= 3
                && thresholds.LatestSamples.Values.Any(s => s.Timestamp >= idleFrom + TimeSpan.FromSeconds(105)),
            "two idle minutes with samples, heartbeats and dependency checks",
            between: () =>
            {
                if (time.GetUtcNow() - idleFrom < TimeSpan.FromMinutes(2) || Volatile.Read(ref checks) - checksBefore < 3)
                {
                    time.Advance(TimeSpan.FromSeconds(1));
                }
            });
        await Eventually.TrueAsync(() => persistence.GetStatuses().All(s => !s.Dirty), "no save in flight");

        foreach (var system in systems)
        {
            Assert.True(before[system] == await sut.Vault.GetLatestSequenceAsync(system, Ct), $"{system} wrote a snapshot while the server was idle");
        }

        // The telemetry is exported instead: /metrics shows the host samples, the cache counters and each manager's uptime.
        using var client = sut.Client(sut.ReaderKey);
        var metrics = await client.GetStringAsync("metrics", Ct);
        Assert.Contains("statevault_health_sample{", metrics, StringComparison.Ordinal);
        Assert.Contains("statevault_dependencies_cache_misses", metrics, StringComparison.Ordinal);
        Assert.Contains("statevault_manager_uptime", metrics, StringComparison.Ordinal);
    }
}
