using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using StateVault.Managers.AiMlCore;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Legacy;
using Xunit;

namespace StateVault.Managers.Tests.Legacy;

/// <summary>Re-import after a mapping fix, the model folder that was never rotated, and the original's wrong-way judgements.</summary>
public sealed class LegacyReimportTests : IDisposable
{
    private static readonly LegacyImportOptions s_utc = new() { TimeZone = TimeZoneInfo.Utc };
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Original => Path.Combine(_dir.Path, "original");

    public void Dispose() => _dir.Dispose();

    private void Write(string folder, string name, string json)
    {
        Directory.CreateDirectory(Path.Combine(Original, folder));
        File.WriteAllText(Path.Combine(Original, folder, name), json);
    }

    private const string HealthFile = """
        {
          "thresholds": {
            "task_completion_rate": {"metric_type": "task_completion_rate", "warning_threshold": 90.0, "critical_threshold": 75.0, "unit": "%", "description": "Task completion rate threshold"}
          },
          "threshold_operations": [],
          "validation_operations": [
            {"timestamp": "2026-11-27T07:09:09.542226", "metric_type": "task_completion_rate", "value": 88.0, "status": "critical", "threshold": {"warning": 90.0, "critical": 75.0, "unit": "%"}}
          ],
          "configuration_changes": [],
          "timestamp": "2026-11-27T07:09:12.975362",
          "manager_id": "health_threshold_manager",
          "version": "2.0.0"
        }
        """;

    [Fact]
    public async Task ImportAsync_Reimport_ReplacesTheOldMappersSnapshotWithoutDuplicatingHistory()
    {
        Write("health_thresholds", "health_thresholds_data_20261127_070912.json", HealthFile);
        await using var host = ManagerHost.Create(_dir.Store, _time);
        // What the old mapper left: the file's attributes on a snapshot whose typed thresholds are empty.
        var old = await host.Vault.SaveJsonAsync(
            "health_thresholds",
            """{"thresholds": {}, "legacy": {"thresholds": {}}}"""u8.ToArray(),
            new SaveOptions { Tags = [LegacyImporter.Tag], Attributes = new Dictionary<string, string> { [LegacyImporter.FileAttribute] = "health_thresholds/health_thresholds_data_20261127_070912.json" } },
            Ct);
        // The managers ran on it afterwards and saved what they had.
        await host.Vault.SaveJsonAsync("health_thresholds", """{"thresholds": {}}"""u8.ToArray(), cancellationToken: Ct);

        var plain = await LegacyImporter.ImportAsync(host.Vault, Original, s_utc, null, Ct);
        Assert.Equal(LegacyImportStatus.AlreadyImported, plain.Files.Single().Status);

        var report = await LegacyImporter.ImportAsync(host.Vault, Original, new LegacyImportOptions { TimeZone = TimeZoneInfo.Utc, Reimport = true }, null, Ct);

        var outcome = report.Files.Single();
        Assert.Equal(LegacyImportStatus.Reimported, outcome.Status);
        Assert.Equal([old.Sequence], outcome.Replaced!);
        var listings = await host.Vault.ListAsync("health_thresholds", Ct);
        Assert.Single(listings, l => l.Metadata!.Attributes.ContainsKey(LegacyImporter.FileAttribute));
        Assert.DoesNotContain(listings, l => l.Sequence == old.Sequence);
        var latest = await host.Vault.LoadLatestAsync<HealthThresholdsState>("health_thresholds", Ct);
        Assert.Equal(outcome.Sequence, latest!.Metadata.Sequence);
        Assert.Equal(90, latest.State.Thresholds["task_completion_rate"].Warning);

        var again = await LegacyImporter.ImportAsync(host.Vault, Original, new LegacyImportOptions { TimeZone = TimeZoneInfo.Utc, Reimport = true }, null, Ct);
        Assert.Equal([outcome.Sequence!.Value], again.Files.Single().Replaced!);
        Assert.Single(await host.Vault.ListAsync("health_thresholds", Ct), l => l.Metadata!.Attributes.ContainsKey(LegacyImporter.FileAttribute));
    }

    [Fact]
    public async Task ImportAsync_LowerIsWorseMetricJudgedTheWrongWay_KeepsTheFilesStatusAndNotesTheRightOne()
    {
        Write("health_thresholds", "health_thresholds_data_20261127_070912.json", HealthFile);
        await using var host = ManagerHost.Create(_dir.Store, _time);

        await LegacyImporter.ImportAsync(host.Vault, Original, s_utc, null, Ct);

        var validation = (await host.Vault.LoadLatestAsync<HealthThresholdsState>("health_thresholds", Ct))!.State.ValidationOperations.Single();
        Assert.Equal((88.0, HealthLevel.Critical), (validation.Value, validation.Result));
        Assert.Contains("lower-is-worse", validation.Note, StringComparison.Ordinal);
        Assert.Contains("88 is warning", validation.Note, StringComparison.Ordinal);
        var threshold = (await host.Vault.LoadLatestAsync<HealthThresholdsState>("health_thresholds", Ct))!.State.Thresholds["task_completion_rate"];
        Assert.Equal(HealthLevel.Warning, threshold.Evaluate(88));
    }

    [Fact]
    public async Task ImportAsync_ModelFolderWithManyFiles_AModelDeletedLaterDoesNotComeBack()
    {
        // The model manager never rotated its folder: seven files, the model "old-v1" deleted before the last one.
        for (var i = 1; i <= 7; i++)
        {
            var models = new JsonObject
            {
                ["keep-v1"] = new JsonObject { ["framework"] = "pytorch", ["task"] = "t", ["owner"] = "Agent-2", ["registered_at"] = "2026-11-20T07:00:00", ["status"] = i < 5 ? "training" : "deployed" },
            };
            if (i < 7)
            {
                models["old-v1"] = new JsonObject { ["framework"] = "pytorch", ["task"] = "t", ["owner"] = "Agent-2", ["registered_at"] = "2026-11-20T07:00:00", ["status"] = "registered" };
            }

            var file = new JsonObject { ["models"] = models, ["model_operations"] = new JsonArray(), ["storage_operations"] = new JsonArray(), ["api_key_operations"] = new JsonArray(), ["timestamp"] = $"2026-11-2{i}T07:00:00", ["manager_id"] = "model_manager", ["version"] = "2.0.0" };
            Write("ai_ml_models", $"ai_ml_models_data_2026112{i}_070000.json", file.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        await using (var importer = ManagerHost.Create(_dir.Store, _time))
        {
            var report = await LegacyImporter.ImportAsync(importer.Vault, Original, s_utc, null, Ct);
            Assert.Equal(7, report.Imported);
        }

        await using var host = ManagerHost.Create(_dir.Store, _time);
        await host.RestoreOnlyAsync(Ct);
        var ai = host.Manager<AiMlCoreManager>();
        Assert.Equal(["keep-v1"], ai.ListModels().Select(m => m.Id));
        Assert.Equal(ModelStatus.Deployed, ai.GetModel("keep-v1")!.Status);
    }
}
