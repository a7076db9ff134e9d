using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using StateVault.Managers.AiMlCore;
using StateVault.Managers.Core;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Legacy;
using StateVault.Managers.Swarm;
using StateVault.Managers.Workflows;
using Xunit;

namespace StateVault.Managers.Tests.Legacy;

public sealed class LegacyImporterTests : IDisposable
{
    // The original machine ran at UTC+2: its naive 10:30:00 is 08:30:00 UTC.
    private static readonly TimeZoneInfo s_zone = TimeZoneInfo.CreateCustomTimeZone("legacy", TimeSpan.FromHours(2), "legacy", "legacy");

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public LegacyImporterTests() => CopyDirectory(Path.Combine(AppContext.BaseDirectory, "Legacy", "Fixtures"), Legacy);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Legacy => Path.Combine(_dir.Path, "original", "data", "persistent");

    private static LegacyImportOptions Options => new() { TimeZone = s_zone };

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ImportAsync_Fixtures_ImportsEveryFolderOldestFirstAndReportsWhatWasSkipped()
    {
        await using var host = ManagerHost.Create(_dir.Store, _time);

        var report = await LegacyImporter.ImportAsync(host.Vault, Legacy, Options, logger: null, Ct);

        Assert.Equal(10, report.Imported);
        Assert.Equal(2, report.Skipped);
        Assert.True(report.HasSkipped);
        var broken = report.Files.Single(f => f.File == "dependencies/dependencies_data_20240116_130000.json");
        Assert.Equal(LegacyImportStatus.Skipped, broken.Status);
        Assert.StartsWith("not a JSON object", broken.Reason, StringComparison.Ordinal);
        Assert.Equal(LegacyImportStatus.Skipped, report.Files.Single(f => f.File == "core_management/notes.txt").Status);
        Assert.Equal(
            ["health_thresholds/healththresholds_data_20240115_102959.json", "health_thresholds/health_data_20240115_103005.json"],
            report.Files.Where(f => f.System == "health_thresholds").Select(f => f.File));

        var health = await host.Vault.LoadLatestJsonAsync("health_thresholds", Ct);
        Assert.Equal("health_thresholds/health_data_20240115_103005.json", health!.Metadata.Attributes[LegacyImporter.FileAttribute]);
        Assert.Equal("2024-01-15T10:30:05", health.Metadata.Attributes[LegacyImporter.TimestampAttribute]);
        Assert.Equal(new DateTimeOffset(2024, 1, 15, 8, 30, 5, TimeSpan.Zero), health.Metadata.CreatedUtc);
        Assert.Contains(LegacyImporter.Tag, health.Metadata.Tags);
        Assert.Equal(64, health.Metadata.Attributes[LegacyImporter.HashAttribute].Length);
    }

    [Fact]
    public async Task ImportAsync_Twice_CreatesNoDuplicates()
    {
        await using var host = ManagerHost.Create(_dir.Store, _time);
        var first = await LegacyImporter.ImportAsync(host.Vault, Legacy, Options, null, Ct);
        var before = await host.Vault.ListSystemsAsync(Ct);

        var second = await LegacyImporter.ImportAsync(host.Vault, Legacy, Options, null, Ct);

        Assert.Equal(0, second.Imported);
        Assert.Equal(first.Imported, second.AlreadyImported);
        Assert.Equal(first.Files.Where(f => f.Status == LegacyImportStatus.Imported).Select(f => (f.File, f.Sequence)), second.Files.Where(f => f.Status == LegacyImportStatus.AlreadyImported).Select(f => (f.File, f.Sequence)));
        var after = await host.Vault.ListSystemsAsync(Ct);
        Assert.Equal(before.Select(s => (s.Name, s.LatestSequence)), after.Select(s => (s.Name, s.LatestSequence)));
    }

    [Fact]
    public async Task ImportAsync_ThenManagersStart_RestoreTheImportedState()
    {
        await using (var importer = ManagerHost.Create(_dir.Store, _time))
        {
            await LegacyImporter.ImportAsync(importer.Vault, Legacy, Options, null, Ct);
        }

        await using var host = ManagerHost.Create(_dir.Store, _time);
        await host.RestoreOnlyAsync(Ct);

        var thresholds = host.Manager<HealthThresholdsManager>();
        Assert.Equal(70, thresholds.GetThreshold("cpu_usage")!.Warning);
        Assert.Equal(ThresholdDirection.LowerIsWorse, thresholds.GetThreshold("task_completion_rate")!.Direction);
        Assert.Equal(HealthLevel.Good, thresholds.GetThreshold("task_completion_rate")!.Evaluate(95));
        Assert.Equal(HealthLevel.Critical, thresholds.State.ValidationOperations.Single().Result);
        Assert.Equal("health_thresholds_1705311005", thresholds.State.Legacy!["manager_id"]!.GetValue<string>());

        // The other systems' fields, in the original's real shapes: LegacySamplesImportTests.
    }

    [Fact]
    public async Task ImportAsync_KeysWithoutATypedPlace_KeptUnderLegacy()
    {
        await using var host = ManagerHost.Create(_dir.Store, _time);
        await LegacyImporter.ImportAsync(host.Vault, Legacy, Options, null, Ct);

        async Task<JsonObject> LegacyOf(string system) => JsonNode.Parse((await host.Vault.LoadLatestJsonAsync(system, Ct))!.Json.Span)!["legacy"]!.AsObject();

        Assert.Equal(42, (await LegacyOf("core_management"))["performance_metrics"]!["operations"]!.GetValue<int>());
        Assert.Equal("2.0.0", (await LegacyOf("core_management"))["version"]!.GetValue<string>());
        Assert.Equal(17, (await LegacyOf("gaming_alerts"))["alert_counters"]!["total"]!.GetValue<int>());
        Assert.Equal("high", (await LegacyOf("swarm_integration"))["message_history"]![0]!["priority"]!.GetValue<string>()); // a nested key the record has no place for
        Assert.Equal(30, (await LegacyOf("ai_ml_workflows"))["workflows"]!["wf_1705478000"]!["steps"]![0]!["timeout"]!.GetValue<int>());
        Assert.Equal("sk-...AbCd", (await LegacyOf("api_keys"))["providers"]!["openai"]!["masked"]!.GetValue<string>());
        var workflow = host.Vault.LoadLatestAsync<AiMlWorkflowsState>("ai_ml_workflows", Ct);
        Assert.Equal(2, (await workflow)!.State.Workflows.Values.Single().Steps.Single().RetryCount);
    }

    [Fact]
    public async Task ImportAsync_FileHoldingARawKey_SkippedAndNothingWritten()
    {
        var key = TestKeys.OpenAILegacy;
        await File.WriteAllTextAsync(
            Path.Combine(Legacy, "api_keys", "api_keys_data_20240118_090000.json"),
            $$"""{"timestamp": "2024-01-18T09:00:00", "key_operations": [], "openai_key": "{{key}}"}""",
            Ct);
        await using var host = ManagerHost.Create(_dir.Store, _time);

        var report = await LegacyImporter.ImportAsync(host.Vault, Legacy, Options, null, Ct);

        var outcome = report.Files.Single(f => f.File.EndsWith("20240118_090000.json", StringComparison.Ordinal));
        Assert.Equal(LegacyImportStatus.Skipped, outcome.Status);
        Assert.Contains("openai-key", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(key, outcome.Reason, StringComparison.Ordinal);
        foreach (var file in Directory.GetFiles(_dir.Store, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(key, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file, Ct)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ImportAsync_FileNameHoldingAKey_SkippedAndTheNameNotStored()
    {
        // The file name becomes an attribute of the snapshot: it is scanned like the state.
        var key = TestKeys.OpenAILegacy;
        await File.WriteAllTextAsync(
            Path.Combine(Legacy, "api_keys", key + "_data_20240118_090000.json"),
            """{"timestamp": "2024-01-18T09:00:00", "key_operations": []}""",
            Ct);
        await using var host = ManagerHost.Create(_dir.Store, _time);

        var report = await LegacyImporter.ImportAsync(host.Vault, Legacy, Options, null, Ct);

        var outcome = report.Files.Single(f => f.File.EndsWith("_data_20240118_090000.json", StringComparison.Ordinal));
        Assert.Equal(LegacyImportStatus.Skipped, outcome.Status);
        Assert.Contains("header.attributes.", outcome.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(key, outcome.Reason, StringComparison.Ordinal);
        foreach (var file in Directory.GetFiles(_dir.Store, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(key, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file, Ct)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ImportAsync_ManagersAlreadyWroteNewerState_SkipsOlderFiles()
    {
        await using (var running = ManagerHost.Create(_dir.Store, _time))
        {
            await running.Host.StartAsync(Ct);
            running.Manager<HealthThresholdsManager>().SetThreshold("cpu_usage", 50, 60);
            await running.Host.StopAsync(Ct);
        }

        await using var host = ManagerHost.Create(_dir.Store, _time);
        var report = await LegacyImporter.ImportAsync(host.Vault, Legacy, Options, null, Ct);

        Assert.All(report.Files.Where(f => f.System == "health_thresholds"), f => Assert.Equal(LegacyImportStatus.Skipped, f.Status));
        Assert.Contains("newest state", report.Files.First(f => f.System == "health_thresholds").Reason, StringComparison.Ordinal);
        var latest = await host.Vault.LoadLatestAsync<HealthThresholdsState>("health_thresholds", Ct);
        Assert.Equal(50, latest!.State.Thresholds["cpu_usage"].Warning);
    }

    [Fact]
    public async Task ImportAsync_MissingDirectory_Throws()
    {
        await using var host = ManagerHost.Create(_dir.Store, _time);

        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => LegacyImporter.ImportAsync(host.Vault, Path.Combine(_dir.Path, "nope"), Ct));
    }

    private static void CopyDirectory(string source, string target)
    {
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
