using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using StateVault.Managers.AiMlCore;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Core;
using StateVault.Managers.Dependencies;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Legacy;
using StateVault.Managers.Swarm;
using Xunit;

namespace StateVault.Managers.Tests.Legacy;

/// <summary>
/// The original system's real files (<c>../shared/legacy-samples</c>) imported and read back field by field, from the typed
/// state of each system and from the live managers restored on that store.
/// </summary>
public sealed class LegacySamplesImportTests : IDisposable
{
    private static readonly LegacyImportOptions s_utc = new() { TimeZone = TimeZoneInfo.Utc };
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    private static DateTimeOffset At(int second, int microsecond) =>
        new DateTimeOffset(2026, 11, 27, 7, 9, second, TimeSpan.Zero).AddTicks(microsecond * 10L);

    private async Task<(ManagerHost Host, LegacyImportReport Report)> ImportAndRestoreAsync()
    {
        var samples = LegacySamples.RequireDirectory();
        LegacyImportReport report;
        await using (var importer = ManagerHost.Create(_dir.Store, _time))
        {
            report = await LegacyImporter.ImportAsync(importer.Vault, samples, s_utc, null, Ct);
        }

        var host = ManagerHost.Create(_dir.Store, _time);
        await host.RestoreOnlyAsync(Ct);
        return (host, report);
    }

    [Fact]
    public async Task ImportAsync_Samples_EveryFileImportedWithOnlyItsHeaderKeptUnderLegacy()
    {
        var (host, report) = await ImportAndRestoreAsync();
        await using var _ = host;

        Assert.Equal(8, report.Imported);
        Assert.Equal(0, report.Skipped);
        foreach (var file in report.Files)
        {
            // timestamp, manager_id and version have no typed place; everything else does.
            Assert.Equal(3, file.LegacyFields);
            Assert.True(file.MappedFields > 40, $"{file.File}: {file.MappedFields} mapped");
        }

        Assert.Equal(143, report.Files.Single(f => f.System == "health_thresholds").MappedFields);
        var legacy = JsonNode.Parse((await host.Vault.LoadLatestJsonAsync("gaming_alerts", Ct))!.Json.Span)!["legacy"]!.AsObject();
        Assert.Equal(["manager_id", "timestamp", "version"], legacy.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("gaming_alert_manager", legacy["manager_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task ImportAsync_Samples_HealthThresholdsTyped()
    {
        var (host, _) = await ImportAndRestoreAsync();
        await using var _h = host;
        var state = host.Manager<HealthThresholdsManager>().State;

        Assert.Equal(10, state.Thresholds.Count);
        var response = state.Thresholds["response_time"];
        Assert.Equal((800.0, 3000.0, "ms", "Tightened response time threshold"), (response.Warning, response.Critical, response.Unit, response.Description));
        Assert.True(response.Custom);
        Assert.Equal(At(12, 973070), response.UpdatedAt);
        var completion = state.Thresholds["task_completion_rate"];
        Assert.Equal((90.0, 75.0, ThresholdDirection.LowerIsWorse, "%"), (completion.Warning, completion.Critical, completion.Direction, completion.Unit));
        Assert.False(completion.Custom);
        Assert.Equal(("messages", "Agent inbox queue depth threshold"), (state.Thresholds["queue_depth"].Unit, state.Thresholds["queue_depth"].Description));

        Assert.Equal(3, state.ThresholdOperations.Count);
        Assert.All(state.ThresholdOperations, o => Assert.Equal("set", o.Operation));
        Assert.Equal(["custom_metric", "queue_depth", "response_time"], state.ThresholdOperations.Select(o => o.Metric));
        Assert.Equal((200.0, 500.0, "messages", true), (state.ThresholdOperations[1].Warning, state.ThresholdOperations[1].Critical, state.ThresholdOperations[1].Unit, state.ThresholdOperations[1].Success));

        Assert.Equal(8, state.ValidationOperations.Count);
        Assert.Equal(
            [HealthLevel.Good, HealthLevel.Warning, HealthLevel.Critical, HealthLevel.Good, HealthLevel.Warning, HealthLevel.Critical, HealthLevel.Warning, HealthLevel.Warning],
            state.ValidationOperations.Select(v => v.Result));
        var cpu = state.ValidationOperations[2];
        Assert.Equal(("cpu_usage", 97.0, 85.0, 95.0, "%"), (cpu.Metric, cpu.Value, cpu.Warning, cpu.Critical, cpu.Unit));
        Assert.Equal(At(9, 542246), cpu.Timestamp);
        Assert.All(state.ValidationOperations, v => Assert.Null(v.Note)); // no lower-is-worse metric was validated in this file

        Assert.Equal(4, state.ConfigurationChanges.Count);
        Assert.Equal(("initialize_default_thresholds", 8, "*"), (state.ConfigurationChanges[0].Operation, state.ConfigurationChanges[0].Count, state.ConfigurationChanges[0].Metric));
        Assert.Equal("queue_depth", state.ConfigurationChanges[2].Metric);
    }

    [Fact]
    public async Task ImportAsync_Samples_GamingAlertsTyped()
    {
        var (host, _) = await ImportAndRestoreAsync();
        await using var _h = host;
        var manager = host.Manager<GamingAlertsManager>();
        var state = manager.State;

        Assert.Equal(5, state.ActiveAlerts.Count);
        var frame = state.ActiveAlerts["gaming_frame_rate_1795763351"];
        Assert.Equal(
            ("dreamos-arcade-02", "frame_rate", AlertType.Performance, AlertSeverity.Critical, AlertStatus.Active, 3.5, 5.0),
            (frame.GameSystem, frame.Metric, frame.Type, frame.Severity, frame.Status, frame.Value, frame.Threshold));
        Assert.Equal("Critical frame rate: 3.5fps for dreamos-arcade-02", frame.Message);
        Assert.Equal(At(11, 761087), frame.CreatedAt);
        var acknowledged = state.ActiveAlerts["gaming_frame_rate_1795763349"];
        Assert.Equal((AlertStatus.Acknowledged, AlertSeverity.Medium), (acknowledged.Status, acknowledged.Severity));
        var health = state.ActiveAlerts["gaming_system_health_1795763350"];
        Assert.Equal((AlertType.SystemHealth, AlertSeverity.High, 55.0, 60.0), (health.Type, health.Severity, health.Value, health.Threshold));
        Assert.Equal(55.0, health.GameContext!["health_score"].GetDouble());
        Assert.Equal(5, manager.GetActiveAlerts().Count);

        Assert.Equal(7, state.AlertHistory.Count);
        var resolved = state.AlertHistory.Where(a => a.Id == "gaming_response_time_1795763349").ToList();
        Assert.Equal(2, resolved.Count);
        Assert.All(resolved, a => Assert.Equal((AlertStatus.Resolved, "Autoscaled render workers"), (a.Status, a.ResolutionNote)));
        Assert.Null(resolved[0].Note);
        Assert.StartsWith("duplicate", resolved[1].Note, StringComparison.Ordinal);
        Assert.Single(state.AlertHistory, a => a.Note is not null);

        Assert.Equal(5, state.Thresholds.Count);
        var frameRate = state.Thresholds["frame_rate"];
        Assert.Equal((45.0, 15.0, 5.0, ThresholdComparison.Below, "fps"), (frameRate.Medium, frameRate.High, frameRate.Critical, frameRate.Comparison, frameRate.Unit));
        var latency = state.Thresholds["network_latency"];
        Assert.Equal((150.0, (double?)null, (double?)null, ThresholdComparison.Above), (latency.Medium, latency.High, latency.Critical, latency.Comparison));
        Assert.Equal(AlertSeverity.Medium, latency.Evaluate(151));
        Assert.Null(latency.Evaluate(149));
        Assert.Equal(ThresholdComparison.Above, state.Thresholds["response_time"].Comparison);
    }

    [Fact]
    public async Task ImportAsync_Samples_CoreSwarmAndDependenciesTyped()
    {
        var (host, _) = await ImportAndRestoreAsync();
        await using var _h = host;

        var core = host.Manager<CoreManager>().State;
        Assert.Equal(6, core.Components.Count);
        Assert.Equal(("GamingAlertManager", "offline"), (core.Components["gaming_alert_manager"].Type, core.Components["gaming_alert_manager"].Status));
        Assert.Equal("active", core.Components["swarm_integration_manager"].Status);
        Assert.Equal(At(10, 647252), core.Components["gaming_alert_manager"].RegisteredAt);
        Assert.Equal(("test", "test"), (core.Components["test"].Name, core.Components["test"].Type));
        Assert.Equal(6, core.ComponentRegistrations.Count);
        Assert.Equal(("dict", true), (core.ComponentRegistrations[3].Type, core.ComponentRegistrations[3].Success));
        Assert.Equal(["coordinates"], core.ConfigurationOperations.Single().Keys!);
        Assert.Equal("load_configuration", core.ConfigurationOperations.Single().Action);
        var system = core.SystemOperations.Single();
        Assert.Equal(("initialize_system", false, "RUNNING"), (system.Operation, system.Succeeded, system.Error));
        var coordinates = JsonNode.Parse(core.Config["coordinates"])!;
        Assert.Equal(4, coordinates.AsObject().Count);
        Assert.Equal(1603, coordinates["5-agent"]!["Agent-5"]!["starter_location_box"]!["x"]!.GetValue<int>());

        var swarm = host.Manager<SwarmIntegrationManager>().State;
        Assert.Equal(5, swarm.Agents.Count);
        Assert.Equal(("Captain", true), (swarm.Agents["Agent-4"].Name, swarm.Agents["Agent-4"].Integrated));
        Assert.Equal(["coordination", "security"], swarm.Agents["Agent-4"].Capabilities);
        Assert.Equal("active", swarm.IntegrationStatus);
        Assert.Equal(6, swarm.IntegrationOperations.Count);
        Assert.Equal(("initialize_integration", true), (swarm.IntegrationOperations[0].Operation, swarm.IntegrationOperations[0].IntegrationActive));
        Assert.Equal(2, swarm.CoordinationTasks.Count);
        var partial = swarm.CoordinationTasks.Values.Single(t => t.Description == "Run integration test suite");
        Assert.Equal(CoordinationTaskStatus.PartiallyCompleted, partial.Status);
        Assert.False(partial.Results["Agent-9"].Success);
        Assert.Equal(["Agent-3", "Agent-5", "Agent-9"], partial.AgentIds);
        Assert.Equal(2, swarm.MessageHistory.Count);
        Assert.Equal(("Agent-1", "Agent-4", "status", "Phase 2 handoff acknowledged \u2705"), (swarm.MessageHistory[1].From, swarm.MessageHistory[1].To, swarm.MessageHistory[1].Type, swarm.MessageHistory[1].Content));

        var dependencies = host.Manager<DependenciesManager>().State;
        Assert.Equal(13, dependencies.Dependencies.Count);
        Assert.Equal(13, dependencies.CheckHistory.Count);
        Assert.Equal(4, dependencies.Dependencies.Values.Count(d => d.Critical));
        Assert.Equal((DependencyStatus.Unavailable, DependencyKind.PythonModule, false), (dependencies.Dependencies["numpy"].Status, dependencies.Dependencies["numpy"].Kind, dependencies.Dependencies["numpy"].Critical));
        Assert.Equal(DependencyStatus.Available, dependencies.Dependencies["logging"].Status);
        Assert.Equal(["numpy", "pandas", "psutil", "pyautogui"], dependencies.FailedDependencies.Keys);
        Assert.All(dependencies.CheckHistory, c => Assert.True(c.CacheHit));
        Assert.All(dependencies.CheckHistory, c => Assert.Contains("cache_hit", c.Note, StringComparison.Ordinal));
        Assert.Empty(host.Manager<DependenciesManager>().CriticalFailures);
    }

    [Fact]
    public async Task ImportAsync_Samples_AiMlAndApiKeysTyped()
    {
        var (host, _) = await ImportAndRestoreAsync();
        await using var _h = host;
        var ai = host.Manager<AiMlCoreManager>();

        Assert.Equal(3, ai.CoreState.Models.Count);
        var gpt = ai.CoreState.Models["gpt-4"];
        Assert.Equal(("openai", "gpt-4-0613", "0613"), (gpt.Provider, gpt.ModelId, gpt.Version));
        Assert.Equal(4000, gpt.Parameters["max_tokens"].GetInt32());
        Assert.Equal(At(9, 542660), gpt.CreatedAt); // str(datetime), with a space
        Assert.Equal(3, ai.CoreState.ModelRegistrations.Count);
        Assert.Equal(2, ai.CoreState.Workflows.Count);
        var embedding = ai.CoreState.Workflows["embedding-refresh"];
        Assert.Equal(("Re-embed knowledge base documents", MlStepStatus.Pending), (embedding.Description, embedding.Status));
        Assert.Equal(At(12, 973857), embedding.CreatedAt); // datetime.datetime(...) inside the repr
        Assert.Equal(["chunk", "embed", "upsert"], embedding.Steps.Select(s => s.Name));
        Assert.Equal(("inference", "text-embedding-3-small", 64), (embedding.Steps[1].Type, embedding.Steps[1].Target, embedding.Steps[1].Parameters!["batch_size"].GetInt32()));
        Assert.Equal(MlStepStatus.Completed, ai.CoreState.Workflows["code-review-pipeline"].Status);
        Assert.Equal(2, ai.CoreState.WorkflowExecutions.Count);
        var done = ai.CoreState.WorkflowExecutions[0];
        Assert.Equal((MlStepStatus.Completed, true, 0), (done.Status, done.Finished, done.StepsCount));
        Assert.Equal(At(11, 868247), done.FinishedAt);
        Assert.Contains("steps_count 0", done.Note, StringComparison.Ordinal);
        Assert.False(ai.CoreState.WorkflowExecutions[1].Finished);
        Assert.Equal([false, true], ai.CoreState.ApiKeyRequests.Select(r => r.Granted));

        Assert.Equal(3, ai.ListModels().Count);
        var sentiment = ai.GetModel("sentiment-classifier-v1")!;
        Assert.Equal((ModelStatus.Deployed, "scikit_learn", "classification", "Agent-2"), (sentiment.Status, sentiment.Framework, sentiment.Task, sentiment.Owner));
        Assert.Equal(0.91, sentiment.Parameters["accuracy"].GetDouble());
        Assert.Equal(At(11, 868304), sentiment.UpdatedAt);
        Assert.Equal(5, ai.ModelsState.ModelRegistrations.Count);
        Assert.Equal(["registered", "registered", "status_changed", "status_changed", "registered"], ai.ModelsState.ModelRegistrations.Select(r => r.Action));
        Assert.Equal(ModelStatus.Training, ai.ModelsState.ModelRegistrations[2].Status);
        Assert.Equal("pytorch", ai.ModelsState.ModelRegistrations[1].Info!["framework"].GetString());
        Assert.Equal("get_api_key", ai.ModelsState.ApiKeyRequests.Single().Purpose);

        var keys = host.Manager<ApiKeysManager>().State;
        Assert.Equal(7, keys.KeyOperations.Count);
        Assert.Equal(("get_key", "openai", false, (bool?)false, (bool?)null), (keys.KeyOperations[0].Operation, keys.KeyOperations[0].Provider, keys.KeyOperations[0].Success, keys.KeyOperations[0].KeyAvailable, keys.KeyOperations[0].KeyValid));
        Assert.Equal(("set_key", "anthropic", true), (keys.KeyOperations[6].Operation, keys.KeyOperations[6].Provider, keys.KeyOperations[6].Success));
        Assert.Equal(4, keys.ValidationAttempts.Count);
        Assert.Equal([KeyValidationResult.Missing, KeyValidationResult.Missing, KeyValidationResult.Valid, KeyValidationResult.Valid], keys.ValidationAttempts.Select(v => v.Result));
        Assert.Equal(("secure_storage", (bool?)true), (keys.SecurityChecks.Single().CheckType, keys.SecurityChecks.Single().Passed));
        Assert.Equal(["openai", "anthropic"], keys.ConfiguredServices);
    }
}
