using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using StateVault.Hosting;
using StateVault.Managers.AiMlCore;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Core;
using StateVault.Managers.Dependencies;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Swarm;
using StateVault.Managers.Workflows;
using Xunit;

namespace StateVault.Managers.Tests;

/// <summary>
/// For each manager: a host runs, does real operations, saves, does more, stops; a new host on the same store restores an equal
/// state; then the newest snapshot of each of its systems is corrupted on disk and the next host restores the previous one and
/// reports the fallback.
/// </summary>
public sealed class RestartAndFallbackTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public RestartAndFallbackTests() => _listener.Start();

    public static TheoryData<string> ManagerNames =>
    [
        CoreManager.ManagerName,
        HealthThresholdsManager.ManagerName,
        SwarmIntegrationManager.ManagerName,
        GamingAlertsManager.ManagerName,
        DependenciesManager.ManagerName,
        AiMlWorkflowsManager.ManagerName,
        AiMlCoreManager.ManagerName,
        ApiKeysManager.ManagerName,
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _listener.Stop();
        _listener.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [MemberData(nameof(ManagerNames))]
    public async Task Restart_AfterRealOperations_RestoresEqualStateThenFallsBackPastCorruption(string managerName)
    {
        var scenario = Scenarios(managerName);
        var finalState = new Dictionary<string, JsonNode>();
        var latest = new Dictionary<string, long>();

        // 1. A host runs, works, saves, works more, stops (the stop saves).
        await using (var first = ManagerHost.Create(_dir.Store, _time))
        {
            await first.Host.StartAsync(Ct);
            var manager = (ManagerBase)first.Registry.FindByName(managerName)!;
            Assert.Equal("online", manager.Status);
            await scenario.PhaseA(first);
            await manager.SaveNowAsync(Ct);
            _time.Advance(TimeSpan.FromMinutes(1));
            await scenario.PhaseB(first);
            await first.Host.StopAsync(Ct);
            Assert.Equal("offline", manager.Status);
            foreach (var system in manager.Systems)
            {
                finalState[system] = manager.CaptureState(system);
                var status = first.Persistence.GetStatus(system);
                Assert.False(status.Dirty, $"{system} is saved at stop");
                latest[system] = status.LastSavedSequence!.Value;
                Assert.True(latest[system] >= 2, $"{system} has a previous snapshot to fall back to");
            }
        }

        // 2. A new host restores an equal state.
        await using (var second = ManagerHost.Create(_dir.Store, _time))
        {
            await second.RestoreOnlyAsync(Ct);
            var manager = (ManagerBase)second.Registry.FindByName(managerName)!;
            foreach (var (system, expected) in finalState)
            {
                AssertJsonEqual(expected, manager.CaptureState(system));
                Assert.Equal(latest[system], second.Persistence.GetStatus(system).Restore!.Sequence);
            }

            scenario.VerifyRestored(second);
        }

        // 3. Corrupt the newest snapshot of each system: the next host restores the previous one and reports the fallback.
        var previousState = new Dictionary<string, JsonNode>();
        await using (var reader = ManagerHost.Create(_dir.Store, _time))
        {
            foreach (var (system, sequence) in latest)
            {
                var previous = await reader.Vault.LoadJsonAsync(system, sequence - 1, Ct);
                previousState[system] = JsonNode.Parse(previous!.Json.Span)!;
            }
        }

        foreach (var system in latest.Keys)
        {
            var newest = Directory.GetFiles(Path.Combine(_dir.Store, system), "*.svsnap").Order(StringComparer.Ordinal).Last();
            var bytes = await File.ReadAllBytesAsync(newest, Ct);
            bytes[bytes.Length / 2] ^= 0x01;
            await File.WriteAllBytesAsync(newest, bytes, Ct);
        }

        await using (var third = ManagerHost.Create(_dir.Store, _time))
        {
            await third.RestoreOnlyAsync(Ct);
            var manager = (ManagerBase)third.Registry.FindByName(managerName)!;
            Assert.Equal("recovering", manager.Status);
            foreach (var (system, expected) in previousState)
            {
                AssertJsonEqual(expected, manager.CaptureState(system));
                var restore = third.Persistence.GetStatus(system).Restore!;
                Assert.Equal(latest[system] - 1, restore.Sequence);
                Assert.True(restore.FellBack);
                Assert.Equal(latest[system], restore.Skipped[0].Sequence);
                Assert.Contains($"fallback.{system}", manager.Summary.Keys);
            }

            await third.StartWorkAsync(Ct);
            Assert.Equal("online", manager.Status);
            Assert.Contains($"fallback.{manager.Systems[0]}", manager.Summary.Keys);
        }
    }

    private static void AssertJsonEqual(JsonNode expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\nactual   {actual.ToJsonString()}");

    private Scenario Scenarios(string managerName)
    {
        switch (managerName)
        {
            case CoreManager.ManagerName:
                return new Scenario(
                    host =>
                    {
                        var core = host.Manager<CoreManager>();
                        core.SetConfig("region", "eu-west-1");
                        core.RegisterComponent("external_cache", "RedisCache");
                        return Task.CompletedTask;
                    },
                    host =>
                    {
                        var core = host.Manager<CoreManager>();
                        core.SetConfig("mode", "blue");
                        core.UnregisterComponent("external_cache");
                        return Task.CompletedTask;
                    },
                    host =>
                    {
                        var state = host.Manager<CoreManager>().State;
                        Assert.Equal("eu-west-1", state.Config["region"]);
                        Assert.Equal(8, state.Components.Count);
                        Assert.Equal("shutdown", state.SystemOperations[^1].Operation); // the shutdown record was saved
                    });
            case HealthThresholdsManager.ManagerName:
                return new Scenario(
                    host =>
                    {
                        var sut = host.Manager<HealthThresholdsManager>();
                        sut.SetThreshold("cpu_usage", 70, 90);
                        sut.Evaluate("task_completion_rate", 95);
                        return Task.CompletedTask;
                    },
                    host =>
                    {
                        var sut = host.Manager<HealthThresholdsManager>();
                        sut.SetThreshold("queue_depth", 100, 1000, unit: "items");
                        sut.Evaluate("memory_usage", 97); // a validation request: stored
                        sut.RecordSample("memory_usage", 10); // a sample: telemetry, never stored, so the last stored validation stays critical
                        return Task.CompletedTask;
                    },
                    host =>
                    {
                        var sut = host.Manager<HealthThresholdsManager>();
                        Assert.Equal(70, sut.GetThreshold("cpu_usage")!.Warning);
                        Assert.Equal(HealthLevel.Critical, sut.State.ValidationOperations[^1].Result);
                    });
            case SwarmIntegrationManager.ManagerName:
                string? taskId = null;
                string[] agents = [];
                return new Scenario(
                    host =>
                    {
                        var sut = host.Manager<SwarmIntegrationManager>();
                        agents = [sut.RegisterAgent("planner", ["plan"]).Id, sut.RegisterAgent("coder", ["code", "plan"]).Id];
                        sut.IntegrateAgent(agents[0]);
                        sut.IntegrateAgent(agents[1]);
                        taskId = sut.CreateTask("draft the plan", capability: "plan").Id;
                        return Task.CompletedTask;
                    },
                    host =>
                    {
                        var sut = host.Manager<SwarmIntegrationManager>();
                        sut.RecordTaskResult(taskId!, agents[0], true, "plan ready");
                        sut.RecordTaskResult(taskId!, agents[1], true, "reviewed");
                        sut.SendMessage(agents[0], agents[1], "handoff", "over to you");
                        return Task.CompletedTask;
                    },
                    host =>
                    {
                        var state = host.Manager<SwarmIntegrationManager>().State;
                        Assert.Equal(CoordinationTaskStatus.Completed, state.CoordinationTasks[taskId!].Status);
                        Assert.Equal(2, state.Agents.Count);
                        Assert.Equal("active", state.IntegrationStatus);
                    });
            case GamingAlertsManager.ManagerName:
                return new Scenario(
                    host =>
                    {
                        host.Manager<GamingAlertsManager>().CheckPerformance("arena", new Dictionary<string, double> { ["frame_rate"] = 12, ["memory_usage"] = 3000 });
                        return Task.CompletedTask;
                    },
                    host =>
                    {
                        var sut = host.Manager<GamingAlertsManager>();
                        var alerts = sut.GetActiveAlerts("arena");
                        sut.Acknowledge(alerts[0].Id, "ops");
                        sut.Resolve(alerts[1].Id);
                        sut.CheckPerformance("arena", new Dictionary<string, double> { ["frame_rate"] = 3 });
                        return Task.CompletedTask;
                    },
                    host =>
                    {
                        var state = host.Manager<GamingAlertsManager>().State;
                        Assert.Equal(2, state.Counters.Created);
                        Assert.Equal(1, state.Counters.Resolved);
                        Assert.Single(state.ActiveAlerts);
                        Assert.Equal(AlertSeverity.Critical, state.ActiveAlerts.Values.Single().Severity);
                    });
            case DependenciesManager.ManagerName:
                var endpoint = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
                return new Scenario(
                    async host =>
                    {
                        var sut = host.Manager<DependenciesManager>();
                        sut.Declare("local_service", DependencyKind.Tcp, endpoint);
                        await sut.CheckAllAsync(cancellationToken: Ct);
                    },
                    async host =>
                    {
                        var sut = host.Manager<DependenciesManager>();
                        await sut.CheckAsync("local_service", cancellationToken: Ct); // the cache expired during the minute: a miss
                        await sut.CheckAsync("local_service", cancellationToken: Ct); // a hit
                        sut.Declare("assembly:Nope.Missing", DependencyKind.Assembly, "Nope.Missing", critical: true);
                        await sut.CheckAsync("assembly:Nope.Missing", cancellationToken: Ct);
                    },
                    host =>
                    {
                        var state = host.Manager<DependenciesManager>().State;
                        Assert.Equal(DependencyStatus.Available, state.Dependencies["local_service"].Status);
                        Assert.Contains("assembly:Nope.Missing", state.FailedDependencies.Keys);
                    });
            case AiMlWorkflowsManager.ManagerName:
                return new Scenario(
                    async host =>
                    {
                        var sut = host.Manager<AiMlWorkflowsManager>();
                        sut.CreateWorkflow("nightly", [
                            new WorkflowStep { Name = "verify", Action = AiMlWorkflowsManager.VerifyStoreAction },
                            new WorkflowStep { Name = "touch", Action = AiMlWorkflowsManager.ProcessAction, Executable = "/usr/bin/true", DependsOn = ["verify"] },
                        ]);
                        await sut.ExecuteAsync("nightly", Ct);
                    },
                    async host => await host.Manager<AiMlWorkflowsManager>().ExecuteAsync("nightly", Ct),
                    host =>
                    {
                        var state = host.Manager<AiMlWorkflowsManager>().State;
                        Assert.Equal(2, state.ExecutionHistory.Count);
                        Assert.Equal(2, state.StepStatistics["nightly/touch"].Runs);
                    });
            case AiMlCoreManager.ManagerName:
                string? mlWorkflow = null;
                return new Scenario(
                    host =>
                    {
                        var sut = host.Manager<AiMlCoreManager>();
                        sut.RegisterModel("writer", "openai", "gpt-4o", "2024-08-06", ["chat", "vision"], new Dictionary<string, object?> { ["temperature"] = 0.7, ["stop"] = new[] { "###" }, ["max_tokens"] = 4096 });
                        sut.UpdateModelStatus("writer", ModelStatus.Active);
                        mlWorkflow = sut.CreateWorkflow("check", [("model", MlStepKind.CheckModel, "writer")]).Id;
                        return Task.CompletedTask;
                    },
                    async host =>
                    {
                        var sut = host.Manager<AiMlCoreManager>();
                        await sut.ExecuteWorkflowAsync(mlWorkflow!, Ct);
                        sut.RegisterModel("embedder", "openai", "text-embedding-3-small");
                    },
                    host =>
                    {
                        var sut = host.Manager<AiMlCoreManager>();
                        var writer = sut.GetModel("writer")!;
                        Assert.Equal(0.7, writer.Parameters["temperature"].GetDouble());
                        Assert.Equal(ModelStatus.Active, writer.Status);
                        Assert.Equal(MlStepStatus.Completed, sut.CoreState.WorkflowExecutions.Single().Status);
                    });
            case ApiKeysManager.ManagerName:
                string? accessKey = null;
                string? revokedKeyId = null;
                return new Scenario(
                    async host =>
                    {
                        var sut = host.Manager<ApiKeysManager>();
                        sut.AddProviderKey("openai", TestKeys.OpenAIProject);
                        accessKey = (await sut.CreateAccessKeyAsync(AccessRole.Writer, "ci", Ct)).Key;
                        revokedKeyId = (await sut.CreateAccessKeyAsync(AccessRole.Reader, "old", Ct)).Info.Id;
                    },
                    async host =>
                    {
                        var sut = host.Manager<ApiKeysManager>();
                        sut.ValidateProviderKey(sut.ListProviderKeys().Single().Record.Id);
                        sut.RunSecurityChecks();
                        await sut.RevokeAccessKeyAsync(revokedKeyId!, Ct);
                    },
                    host =>
                    {
                        var sut = host.Manager<ApiKeysManager>();
                        Assert.Equal(AccessRole.Writer, sut.ValidateAccessKey(accessKey!)!.Role);
                        Assert.True(sut.ListAccessKeys().Single(k => k.Id == revokedKeyId).Revoked);
                        Assert.False(sut.ListProviderKeys().Single().Present); // a runtime key is not persisted
                    });
            default:
                throw new ArgumentOutOfRangeException(nameof(managerName), managerName, null);
        }
    }

    private sealed record Scenario(Func<ManagerHost, Task> PhaseA, Func<ManagerHost, Task> PhaseB, Action<ManagerHost> VerifyRestored);
}
