using System.Text;
using System.Text.Json;
using Xunit;

namespace StateVault.Cli.Tests;

/// <summary><c>save</c>, <c>show</c>, <c>list</c>, <c>systems</c>, <c>stats</c>, the default store, and "not found".</summary>
public sealed class SaveShowListTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    [Fact]
    public async Task SaveThenShow_FileAndStdin_ShowPrintsExactlyTheSavedJson()
    {
        var first = "{\n  \"name\": \"Zoë ✓\",\n  \"thresholds\": { \"cpu\": 80.5 },\n  \"items\": [1, 2, 3]\n}\n";
        var second = "{\"name\":\"second\",\"thresholds\":{\"cpu\":90}}";
        var file = _workspace.WriteFile("state.json", first);

        var saved = (await _workspace.RunAsync("save", "alpha", "--file", file, "--json")).ShouldExit(0).Json();
        Assert.Equal(1, saved.GetProperty("snapshot").GetProperty("sequence").GetInt64());
        Assert.Equal("keep-last 5", saved.GetProperty("retention_policy").GetString());
        var tagged = (await _workspace.SaveAsync("alpha", second, "--tag", "release", "--tag", "nightly")).Json().GetProperty("snapshot");
        Assert.Equal(2, tagged.GetProperty("sequence").GetInt64());
        Assert.Equal(["release", "nightly"], tagged.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(64, tagged.GetProperty("sha256").GetString()!.Length);
        (await _workspace.RunWithInputAsync("[]", "save", "beta", "--file", "-")).ShouldExit(0);

        var latest = (await _workspace.RunAsync("show", "alpha")).ShouldExit(0);
        Assert.Equal(Encoding.UTF8.GetBytes(second), latest.StdoutBytes);
        Assert.Empty(latest.Stderr);
        var older = (await _workspace.RunAsync("show", "alpha", "--seq", "1")).ShouldExit(0);
        Assert.Equal(Encoding.UTF8.GetBytes(first), older.StdoutBytes);
        var withJsonFlag = (await _workspace.RunAsync("show", "alpha", "--json")).ShouldExit(0);
        Assert.Equal(Encoding.UTF8.GetBytes(second), withJsonFlag.StdoutBytes);

        var list = (await _workspace.RunAsync("list", "alpha", "--json")).ShouldExit(0).Json();
        Assert.Equal("alpha", list.GetProperty("system").GetString());
        var snapshots = list.GetProperty("snapshots").EnumerateArray().ToList();
        Assert.Equal([2L, 1L], snapshots.Select(s => s.GetProperty("sequence").GetInt64()));
        Assert.All(snapshots, s => Assert.True(s.GetProperty("valid").GetBoolean()));
        Assert.Equal(Encoding.UTF8.GetByteCount(first), snapshots[1].GetProperty("raw_length").GetInt64());
        Assert.Equal("release", snapshots[0].GetProperty("tags")[0].GetString());

        var listTable = (await _workspace.RunAsync("list", "alpha")).ShouldExit(0).Stdout;
        Assert.Contains("release, nightly", listTable, StringComparison.Ordinal);

        var systems = (await _workspace.RunAsync("systems", "--json")).ShouldExit(0).Json().GetProperty("systems").EnumerateArray().ToList();
        Assert.Equal(["alpha", "beta"], systems.Select(s => s.GetProperty("system").GetString()));
        Assert.Equal(2, systems[0].GetProperty("latest_sequence").GetInt64());
        Assert.Equal(2, systems[0].GetProperty("count").GetInt32());
        Assert.True(systems[0].GetProperty("bytes").GetInt64() > 0);
        Assert.Equal(0, systems[0].GetProperty("damaged").GetInt32());

        var systemsTable = (await _workspace.RunAsync("systems")).ShouldExit(0).Stdout;
        Assert.Contains("alpha", systemsTable, StringComparison.Ordinal);
        Assert.Contains("beta", systemsTable, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_ExpectedSequence_Exit5WhenStaleAndWritesNothing()
    {
        await _workspace.SaveAsync("orders", "{\"v\":1}", "--expect", "0");
        var before = CliWorkspace.Tree(_workspace.Root);

        var stale = (await _workspace.RunWithInputAsync("{\"v\":2}", "save", "orders", "--expect", "0")).ShouldFailWithOneLine(5);
        Assert.Contains("expected latest sequence 0", stale.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, CliWorkspace.Tree(_workspace.Root));

        var current = (await _workspace.SaveAsync("orders", "{\"v\":2}", "--expect", "1")).Json();
        Assert.Equal(2, current.GetProperty("snapshot").GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Save_SixthSnapshot_DefaultRetentionRemovesTheOldestAndSaysSo()
    {
        for (var i = 1; i <= 5; i++)
        {
            await _workspace.SeedAsync("metrics", $"{{\"run\":{i}}}");
        }

        var sixth = (await _workspace.RunWithInputAsync("{\"run\":6}", "save", "metrics")).ShouldExit(0);

        Assert.Contains("Saved snapshot 6 of 'metrics'", sixth.Stdout, StringComparison.Ordinal);
        Assert.Contains("Retention (keep-last 5) removed snapshot 1.", sixth.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(CliWorkspace.SnapshotFile(_workspace.StorePath, "metrics", 1)));
        var seventh = (await _workspace.SaveAsync("metrics", "{\"run\":7}")).Json();
        Assert.Equal([2L], seventh.GetProperty("pruned").EnumerateArray().Select(p => p.GetInt64()));
        Assert.Equal(5, Directory.GetFiles(Path.Combine(_workspace.StorePath, "metrics"), "*.svsnap").Length);
    }

    [Fact]
    public async Task Stats_SeededHistory_ReportsSizesCountsAndRates()
    {
        var start = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        // Eleven snapshots over four days: long enough (>= 1 h, >= 10 saves) for the rates to be projected.
        string[] states = [.. Enumerable.Range(1, 10).Select(n => "{\"n\":[" + string.Join(',', Enumerable.Range(1, n)) + "]}"), "{\"n\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}"];
        double[] days = [0, 0.4, 0.8, 1.2, 1.6, 2, 2.4, 2.8, 3.2, 3.6, 4];
        for (var i = 0; i < states.Length; i++)
        {
            await _workspace.SeedAsync("growing", states[i], start.AddDays(days[i]));
        }

        await _workspace.SeedAsync("single", "{}", start);
        var files = Directory.GetFiles(Path.Combine(_workspace.StorePath, "growing"), "*.svsnap").Select(f => new FileInfo(f).Length).ToList();

        var stats = (await _workspace.RunAsync("stats", "--json")).ShouldExit(0).Json();

        var rows = stats.GetProperty("systems").EnumerateArray().ToDictionary(r => r.GetProperty("system").GetString()!);
        var growing = rows["growing"];
        Assert.Equal(11, growing.GetProperty("count").GetInt32());
        Assert.Equal(11, growing.GetProperty("latest_sequence").GetInt64());
        Assert.Equal(files.Sum(), growing.GetProperty("bytes").GetInt64());
        Assert.Equal(files.Average(), growing.GetProperty("average_snapshot_bytes").GetDouble(), precision: 6);
        Assert.Equal(states[^1].Length, growing.GetProperty("newest_state_bytes").GetInt64());
        Assert.Equal(start, growing.GetProperty("first_saved_utc").GetDateTimeOffset());
        Assert.Equal(start.AddDays(4), growing.GetProperty("last_saved_utc").GetDateTimeOffset());
        Assert.Equal(4, growing.GetProperty("history_days").GetDouble(), precision: 9);
        Assert.Equal(2.5, growing.GetProperty("saves_per_day").GetDouble(), precision: 9);
        Assert.Equal(files.Sum() / 4.0, growing.GetProperty("written_bytes_per_day").GetDouble(), precision: 6);
        Assert.Equal((states[^1].Length - states[0].Length) / 4.0, growing.GetProperty("state_growth_bytes_per_day").GetDouble(), precision: 9);
        Assert.Equal(0, growing.GetProperty("damaged").GetInt32());
        var single = rows["single"];
        Assert.Equal(JsonValueKind.Null, single.GetProperty("history_days").ValueKind);
        Assert.Equal(JsonValueKind.Null, single.GetProperty("state_growth_bytes_per_day").ValueKind);
        var totals = stats.GetProperty("totals");
        Assert.Equal(2, totals.GetProperty("systems").GetInt32());
        Assert.Equal(12, totals.GetProperty("count").GetInt32());

        var table = (await _workspace.RunAsync("stats")).ShouldExit(0).Stdout;
        Assert.Contains("growing", table, StringComparison.Ordinal);
        Assert.Contains("2025-03-05 12:00:00Z", table, StringComparison.Ordinal);
        Assert.Contains("total", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatsAndPrune_ChunkedSnapshots_ShowChunkCountsAndBytes()
    {
        // Above the 1 MiB chunking threshold: saved as a chunked snapshot on the file store.
        var big = "{\"records\":[" + string.Join(",", Enumerable.Range(0, 40_000).Select(i => $"{{\"id\":{i},\"name\":\"record {i * 7919 % 10007}\"}}")) + "]}";
        await _workspace.SeedAsync("big", big);
        await _workspace.SeedAsync("big", big.Replace("record 1\"", "record one\"", StringComparison.Ordinal));

        var stats = (await _workspace.RunAsync("stats", "--json")).ShouldExit(0).Json();
        var row = Assert.Single(stats.GetProperty("systems").EnumerateArray());
        var table = (await _workspace.RunAsync("stats")).ShouldExit(0).Stdout;
        var prune = (await _workspace.RunAsync("prune", "big", "--keep-last", "1", "--json")).ShouldExit(0).Json();

        Assert.True(row.GetProperty("chunks").GetInt32() > 10);
        Assert.True(row.GetProperty("chunk_bytes").GetInt64() > 0); // compressed: the seeding vault compresses on local stores
        Assert.Contains("Chunks of big:", table, StringComparison.Ordinal);
        Assert.Equal(1, prune.GetProperty("removed_count").GetInt32());
        Assert.Equal(0, prune.GetProperty("chunks_deleted").GetInt32()); // within the grace period
        Assert.Equal(0, prune.GetProperty("chunk_bytes_freed").GetInt64());
    }

    [Fact]
    public async Task Stats_HistoryShorterThanAnHourOrTenSaves_ProjectsNoRatesAndSaysWhy()
    {
        var start = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 4; i++)
        {
            await _workspace.SeedAsync("brief", "{\"n\":" + new string('1', i + 1) + "}", start.AddSeconds(2 * i));
        }

        for (var i = 0; i < 3; i++)
        {
            await _workspace.SeedAsync("sparse", "{\"n\":" + new string('1', i + 1) + "}", start.AddDays(i));
        }

        var stats = (await _workspace.RunAsync("stats", "--json")).ShouldExit(0).Json();

        var rows = stats.GetProperty("systems").EnumerateArray().ToDictionary(r => r.GetProperty("system").GetString()!);
        foreach (var name in new[] { "brief", "sparse" })
        {
            var row = rows[name];
            Assert.Equal(JsonValueKind.Null, row.GetProperty("saves_per_day").ValueKind);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("written_bytes_per_day").ValueKind);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("state_growth_bytes_per_day").ValueKind);
            Assert.Contains("1 h", row.GetProperty("rates_note").GetString(), StringComparison.Ordinal);
            Assert.Contains("10 saves", row.GetProperty("rates_note").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(6, rows["brief"].GetProperty("history_days").GetDouble() * 86400, precision: 6);
        var table = (await _workspace.RunAsync("stats")).ShouldExit(0).Stdout;
        Assert.Contains("at least 1 h and 10 saves", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbs_UnknownSystemOrSnapshot_Exit4()
    {
        await _workspace.SeedAsync("known", "{\"a\":1}");

        (await _workspace.RunAsync("show", "missing")).ShouldFailWithOneLine(4);
        (await _workspace.RunAsync("list", "missing")).ShouldFailWithOneLine(4);
        (await _workspace.RunAsync("show", "known", "--seq", "9")).ShouldFailWithOneLine(4);
        var diff = (await _workspace.RunAsync("diff", "known", "1", "9")).ShouldFailWithOneLine(4);
        Assert.Contains("Snapshot 9 of system 'known' does not exist", diff.Stderr, StringComparison.Ordinal);
        (await _workspace.RunAsync("restore", "known", "9")).ShouldFailWithOneLine(4);
        (await _workspace.RunAsync("verify", "missing")).ShouldFailWithOneLine(4);
        (await _workspace.RunAsync("prune", "missing", "--keep-last", "1")).ShouldFailWithOneLine(4);
    }

    [Fact]
    public async Task Store_NotGiven_UsesEnvironmentThenDefaultFolder()
    {
        var sut = _workspace.Cli;
        (await sut.RunAsync(["save", "plain"], "{\"where\":\"default\"}")).ShouldExit(0);
        Assert.True(File.Exists(CliWorkspace.SnapshotFile(Path.Combine(_workspace.Root, "data", "persistent"), "plain", 1)));

        var fromEnvironment = Path.Combine(_workspace.Root, "env-store");
        sut.WithEnvironment("STATEVAULT_STORE", "file:" + fromEnvironment);
        (await sut.RunAsync(["save", "plain"], "{\"where\":\"env\"}")).ShouldExit(0);
        Assert.True(File.Exists(CliWorkspace.SnapshotFile(fromEnvironment, "plain", 1)));

        // --store wins over the environment.
        var shown = (await sut.RunAsync("--store", "file:./data/persistent", "show", "plain")).ShouldExit(0);
        Assert.Equal("{\"where\":\"default\"}", shown.Stdout);
    }

    [Fact]
    public async Task Systems_EmptyStore_PrintsNoneAndCreatesNothing()
    {
        var json = (await _workspace.RunAsync("systems", "--json")).ShouldExit(0).Json();
        Assert.Empty(json.GetProperty("systems").EnumerateArray());
        var stats = (await _workspace.RunAsync("stats", "--json")).ShouldExit(0).Json();
        Assert.Equal(0, stats.GetProperty("totals").GetProperty("count").GetInt32());
        Assert.False(Directory.Exists(_workspace.StorePath));
    }

    public void Dispose() => _workspace.Dispose();
}
