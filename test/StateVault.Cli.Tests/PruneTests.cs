using Xunit;

namespace StateVault.Cli.Tests;

/// <summary><c>prune</c>: dry run, combined rules, the default policy.</summary>
public sealed class PruneTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    [Fact]
    public async Task Prune_DryRunThenReal_ExplainsDecisionsAndRemovesOnlyForReal()
    {
        var monday = new DateTimeOffset(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);
        TimeSpan[] times = [TimeSpan.FromHours(10), TimeSpan.FromHours(18), TimeSpan.FromHours(24 + 9), TimeSpan.FromHours(48 + 9), TimeSpan.FromHours(48 + 21)];
        for (var i = 0; i < times.Length; i++)
        {
            await _workspace.SeedAsync("jobs", $"{{\"run\":{i + 1}}}", monday + times[i], i == 1 ? ["golden"] : []);
        }

        await _workspace.SeedAsync("untouched", "{}");
        var before = CliWorkspace.Tree(_workspace.Root);

        var daily = (await _workspace.RunAsync("prune", "jobs", "--keep-daily", "2", "--dry-run", "--json")).ShouldExit(0).Json();
        var dailyPlan = Assert.Single(daily.GetProperty("systems").EnumerateArray());
        Assert.Equal([4L, 2L, 1L], dailyPlan.GetProperty("removed").EnumerateArray().Select(d => d.GetProperty("sequence").GetInt64()));
        var dailyKept = dailyPlan.GetProperty("kept").EnumerateArray().ToDictionary(d => d.GetProperty("sequence").GetInt64(), d => d.GetProperty("reasons")[0].GetString());
        Assert.Equal("daily 2025-01-08", dailyKept[5]);
        Assert.Equal("daily 2025-01-07", dailyKept[3]);

        var plan = (await _workspace.RunAsync("prune", "jobs", "--keep-last", "1", "--keep-tag", "golden", "--dry-run", "--json")).ShouldExit(0).Json();
        Assert.True(plan.GetProperty("dry_run").GetBoolean());
        Assert.Equal("keep-last 1, keep-tag golden", plan.GetProperty("policy").GetString());
        Assert.Equal("options", plan.GetProperty("policy_source").GetString());
        Assert.Equal(3, plan.GetProperty("removed_count").GetInt32());
        var system = Assert.Single(plan.GetProperty("systems").EnumerateArray());
        Assert.Equal([4L, 3L, 1L], system.GetProperty("removed").EnumerateArray().Select(d => d.GetProperty("sequence").GetInt64()));
        var kept = system.GetProperty("kept").EnumerateArray().ToDictionary(d => d.GetProperty("sequence").GetInt64(), d => d.GetProperty("reasons")[0].GetString());
        Assert.Equal("keep-last 1", kept[5]);
        Assert.Equal("tagged 'golden'", kept[2]);
        Assert.Equal(before, CliWorkspace.Tree(_workspace.Root));

        var table = (await _workspace.RunAsync("prune", "jobs", "--keep-last", "1", "--keep-tag", "golden", "--dry-run")).ShouldExit(0).Stdout;
        Assert.Contains("would remove", table, StringComparison.Ordinal);
        Assert.Contains("matched no keep rule", table, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", table, StringComparison.Ordinal);
        Assert.Equal(before, CliWorkspace.Tree(_workspace.Root));

        var applied = (await _workspace.RunAsync("prune", "jobs", "--keep-last", "1", "--keep-tag", "golden")).ShouldExit(0);
        Assert.Contains("removed 3 snapshot(s)", applied.Stdout, StringComparison.Ordinal);
        var list = (await _workspace.RunAsync("list", "jobs", "--json")).ShouldExit(0).Json();
        Assert.Equal([5L, 2L], list.GetProperty("snapshots").EnumerateArray().Select(s => s.GetProperty("sequence").GetInt64()));
        Assert.True(File.Exists(CliWorkspace.SnapshotFile(_workspace.StorePath, "untouched", 1)));
    }

    [Fact]
    public async Task Prune_NoKeepOption_UsesTheDefaultPolicyAndSaysSo()
    {
        for (var i = 1; i <= 3; i++)
        {
            await _workspace.SeedAsync("small", $"{{\"n\":{i}}}");
        }

        var result = (await _workspace.RunAsync("prune", "--json")).ShouldExit(0);

        Assert.Contains("default policy (keep-last 5)", result.Stderr, StringComparison.Ordinal);
        var json = result.Json();
        Assert.Equal("default", json.GetProperty("policy_source").GetString());
        Assert.Equal("keep-last 5", json.GetProperty("policy").GetString());
        Assert.Equal(0, json.GetProperty("removed_count").GetInt32());

        var within = (await _workspace.RunAsync("prune", "small", "--keep-within", "7d", "--json")).ShouldExit(0).Json();
        Assert.Equal("keep-within 7d", within.GetProperty("policy").GetString());
        Assert.Equal(0, within.GetProperty("removed_count").GetInt32());
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_workspace.StorePath, "small"), "*.svsnap").Length);
    }

    [Fact]
    public async Task Prune_KeepWithinInTimeSpanForm_IsTheSamePolicyAsTheShortForm()
    {
        await _workspace.SeedAsync("small", "{\"a\":1}");

        var within = (await _workspace.RunAsync("prune", "small", "--keep-within", "7.00:00:00", "--dry-run", "--json")).ShouldExit(0).Json();

        Assert.Equal("keep-within 7d", within.GetProperty("policy").GetString());
    }

    public void Dispose() => _workspace.Dispose();
}
