using System.Text.Json;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Cli.Tests;

/// <summary><c>statevault import-legacy</c> on folders in the original system's layout, written by the tests.</summary>
public sealed class ImportLegacyTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string Legacy => Path.Combine(_workspace.Root, "original", "data", "persistent");

    [Fact]
    public async Task ImportLegacy_FoldersWithAnUnreadableFile_ImportsTheRestAndExitsOneNamingTheSkippedFile()
    {
        WriteGoodFiles();
        WriteLegacy("dependencies", "dependencies_data_20240116_130000.json", "{\"timestamp\": \"2024-01-16T13:00:00\", \"failed_dependencies\": [");

        var result = (await _workspace.RunAsync("import-legacy", Legacy, "--json")).ShouldExit(1);

        var report = result.Json();
        Assert.Equal(3, report.GetProperty("imported").GetInt32());
        Assert.Equal(0, report.GetProperty("already_imported").GetInt32());
        Assert.Equal(1, report.GetProperty("skipped").GetInt32());
        var files = report.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("file").GetString()!, f => f);
        Assert.Equal("skipped", files["dependencies/dependencies_data_20240116_130000.json"].GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(files["dependencies/dependencies_data_20240116_130000.json"].GetProperty("reason").GetString()));
        Assert.Equal("imported", files["gaming_alerts/gaming_alerts_data_20240116_120000.json"].GetProperty("status").GetString());
        Assert.Contains(result.StderrLines, line => line.Contains("skipped", StringComparison.Ordinal) && line.Contains("dependencies_data_20240116_130000.json", StringComparison.Ordinal));

        // Oldest first: the newer file is the newer snapshot; each carries its original file name.
        var list = (await _workspace.RunAsync("list", "gaming_alerts", "--json")).ShouldExit(0).Json();
        var snapshots = list.GetProperty("snapshots").EnumerateArray().ToList();
        Assert.Equal(2, snapshots.Count);
        Assert.Equal("gaming_alerts/gaming_alerts_data_20240116_120000.json", snapshots[0].GetProperty("attributes").GetProperty("legacy_file").GetString());
        Assert.Equal("gaming_alerts/gaming_alerts_data_20240115_080000.json", snapshots[1].GetProperty("attributes").GetProperty("legacy_file").GetString());
        Assert.Equal("2024-01-16T12:00:00", snapshots[0].GetProperty("attributes").GetProperty("legacy_timestamp").GetString());

        // Python reprs, nulls and enum values were mapped to the typed state.
        var alerts = (await _workspace.RunAsync("show", "gaming_alerts")).ShouldExit(0).Json();
        var alert = alerts.GetProperty("active_alerts").EnumerateObject().Single().Value;
        Assert.Equal("high", alert.GetProperty("severity").GetString());
        Assert.Equal(12.5, alert.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task ImportLegacy_Samples_ReportsMappedAndLegacyFieldsPerFileAndReimportReplaces()
    {
        var samples = LegacySamples.RequireDirectory();

        var first = (await _workspace.RunAsync("import-legacy", samples, "--json")).ShouldExit(0).Json();

        var files = first.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(8, files.Count);
        Assert.All(files, f => Assert.Equal(3, f.GetProperty("legacy_fields").GetInt32()));
        Assert.Equal(143, files.Single(f => f.GetProperty("system").GetString() == "health_thresholds").GetProperty("mapped_fields").GetInt32());
        var thresholds = (await _workspace.RunAsync("show", "health_thresholds")).ShouldExit(0).Json();
        Assert.Equal(10, thresholds.GetProperty("thresholds").EnumerateObject().Count());

        var table = (await _workspace.RunAsync("import-legacy", samples, "--reimport")).ShouldExit(0);

        Assert.Contains("Imported 0, re-imported 8, already imported 0, skipped 0.", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("Kept under legacy", table.Stdout, StringComparison.Ordinal);
        var list = (await _workspace.RunAsync("list", "health_thresholds", "--json")).ShouldExit(0).Json();
        Assert.Single(list.GetProperty("snapshots").EnumerateArray());
    }

    [Fact]
    public async Task ImportLegacy_Twice_CreatesNoDuplicatesAndExitsZero()
    {
        WriteGoodFiles();

        var first = (await _workspace.RunAsync("import-legacy", Legacy)).ShouldExit(0);
        Assert.Contains("gaming_alerts_data_20240115_080000.json", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("Imported 3, already imported 0, skipped 0.", first.Stdout, StringComparison.Ordinal);
        var before = CliWorkspace.Tree(_workspace.StorePath);

        var second = (await _workspace.RunAsync("import-legacy", Legacy, "--json")).ShouldExit(0).Json();

        Assert.Equal(0, second.GetProperty("imported").GetInt32());
        Assert.Equal(3, second.GetProperty("already_imported").GetInt32());
        Assert.All(second.GetProperty("files").EnumerateArray(), f => Assert.Equal("already imported", f.GetProperty("status").GetString()));
        Assert.Equal(before, CliWorkspace.Tree(_workspace.StorePath));
        var list = (await _workspace.RunAsync("list", "gaming_alerts", "--json")).ShouldExit(0).Json();
        Assert.Equal(2, list.GetProperty("snapshots").GetArrayLength());
    }

    [Fact]
    public async Task ImportLegacy_MissingDirectory_ExitsTwoAndWritesNothing()
    {
        (await _workspace.RunAsync("import-legacy", Path.Combine(_workspace.Root, "nowhere"))).ShouldFailWithOneLine(2);

        Assert.False(Directory.Exists(_workspace.StorePath));
    }

    private void WriteGoodFiles()
    {
        WriteLegacy("gaming_alerts", "gaming_alerts_data_20240115_080000.json", """
            {
              "timestamp": "2024-01-15T08:00:00",
              "manager_id": "gaming_alerts_1705305600",
              "version": "2.0.0",
              "active_alerts": {},
              "alert_history": [],
              "alert_counters": {"total": 4, "critical": null}
            }
            """);
        WriteLegacy("gaming_alerts", "gaming_alerts_data_20240116_120000.json", """
            {
              "timestamp": "2024-01-16T12:00:00",
              "manager_id": "gaming_alerts_1705406400",
              "version": "2.0.0",
              "active_alerts": {
                "gaming_frame_rate_1705406300": {"alert_id": "gaming_frame_rate_1705406300", "alert_type": "frame_rate", "severity": "AlertSeverity.HIGH", "message": "Low frame rate: 12.5fps for arena", "system_id": "arena", "game_context": {"frame_rate": 12.5, "threshold": 15.0}, "timestamp": "2024-01-16T11:58:20", "acknowledged": false, "resolved": false, "resolution_note": null}
              },
              "alert_history": [],
              "alert_counters": {"total": 17, "critical": 3},
              "extra_python_field": "{'kept': True, 'when': None}"
            }
            """);
        WriteLegacy("health_thresholds", "health_data_20240115_103005.json", """
            {
              "timestamp": "2024-01-15T10:30:05",
              "manager_id": "health_thresholds_1705311005",
              "version": "2.0.0",
              "thresholds": {
                "cpu_usage": {"warning": 70, "critical": 90, "unit": "%"},
                "response_time": {"metric": "response_time", "warning": 1000, "critical": 5000, "unit": "ms", "custom": null}
              },
              "threshold_operations": [{"id": "thop_1705311000", "operation": "set", "metric": "cpu_usage", "timestamp": "2024-01-15T10:30:00"}],
              "validation_operations": "[{'id': 'val_1705311001', 'metric': 'cpu_usage', 'value': 95.5, 'result': 'HealthStatus.CRITICAL', 'timestamp': datetime.datetime(2024, 1, 15, 10, 30, 1)}]",
              "configuration_changes": []
            }
            """);
    }

    private void WriteLegacy(string folder, string name, string content)
    {
        var directory = Path.Combine(Legacy, folder);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name), content);
    }
}
