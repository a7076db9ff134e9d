using Xunit;

namespace StateVault.Cli.Tests;

/// <summary><c>migrate</c> between two file stores (the migrator itself only sees <c>ISnapshotStore</c>).</summary>
public sealed class MigrateTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    private string Source => _workspace.Store;

    private string SourcePath => _workspace.StorePath;

    private string TargetPath => Path.Combine(_workspace.Root, "target");

    private string Target => _workspace.StoreUri("target");

    [Fact]
    public async Task Migrate_FileToFile_CopiesEveryByteAndSecondRunCopiesOnlyWhatIsMissing()
    {
        for (var i = 1; i <= 3; i++)
        {
            await _workspace.SeedAsync("alpha", $"{{\"i\":{i}}}", DateTimeOffset.UnixEpoch.AddDays(i), $"t{i}");
        }

        await _workspace.SeedAsync("beta", "{\"b\":true}");

        var first = (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Target, "--json")).ShouldExit(0).Json();
        Assert.True(first.GetProperty("succeeded").GetBoolean());
        var counts = first.GetProperty("systems").EnumerateArray().ToDictionary(s => s.GetProperty("system").GetString()!, s => s.GetProperty("copied").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["alpha"] = 3, ["beta"] = 1 }, counts);
        Assert.Empty(first.GetProperty("problems").EnumerateArray());
        foreach (var (system, sequence) in new[] { ("alpha", 1L), ("alpha", 2L), ("alpha", 3L), ("beta", 1L) })
        {
            Assert.Equal(File.ReadAllBytes(CliWorkspace.SnapshotFile(SourcePath, system, sequence)), File.ReadAllBytes(CliWorkspace.SnapshotFile(TargetPath, system, sequence)));
        }

        // The target lists the same snapshots: sequence numbers, times and checksums preserved.
        var sourceList = (await _workspace.Cli.RunAsync("--store", Source, "list", "alpha", "--json")).ShouldExit(0).Stdout;
        var targetList = (await _workspace.Cli.RunAsync("--store", Target, "list", "alpha", "--json")).ShouldExit(0).Stdout;
        Assert.Equal(sourceList, targetList);

        await _workspace.SaveAsync("alpha", "{\"i\":4}");
        var second = (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Target)).ShouldExit(0);
        Assert.Contains("every snapshot verified", second.Stdout, StringComparison.Ordinal);
        var third = (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Target, "--json")).ShouldExit(0).Json();
        var alpha = third.GetProperty("systems").EnumerateArray().Single(s => s.GetProperty("system").GetString() == "alpha");
        Assert.Equal(0, alpha.GetProperty("copied").GetInt32());
        Assert.Equal(4, alpha.GetProperty("already_present").GetInt32());
        Assert.True(File.Exists(CliWorkspace.SnapshotFile(TargetPath, "alpha", 4)));
        (await _workspace.Cli.RunAsync("--store", Target, "verify")).ShouldExit(0);
    }

    [Fact]
    public async Task Migrate_DamagedSourceSnapshot_ReportedNotCopiedExit1()
    {
        for (var i = 1; i <= 3; i++)
        {
            await _workspace.SeedAsync("gamma", $"{{\"i\":{i}}}");
        }

        CliWorkspace.Tamper(SourcePath, "gamma", 2);

        var result = (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Target, "--json")).ShouldExit(1);

        var json = result.Json();
        Assert.False(json.GetProperty("succeeded").GetBoolean());
        var gamma = Assert.Single(json.GetProperty("systems").EnumerateArray());
        Assert.Equal(2, gamma.GetProperty("copied").GetInt32());
        Assert.Equal(1, gamma.GetProperty("source_damaged").GetInt32());
        var problem = Assert.Single(json.GetProperty("problems").EnumerateArray());
        Assert.Equal(2, problem.GetProperty("sequence").GetInt64());
        Assert.Equal("source_damaged", problem.GetProperty("outcome").GetString());
        Assert.Contains("gamma #2 NOT copied", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(CliWorkspace.SnapshotFile(TargetPath, "gamma", 2)));
        Assert.True(File.Exists(CliWorkspace.SnapshotFile(TargetPath, "gamma", 3)));
    }

    [Fact]
    public async Task Migrate_TargetHoldsADifferentSnapshot_FailedVerificationExit1()
    {
        await _workspace.SeedAsync("delta", "{\"from\":\"source\"}");
        await _workspace.SeedAsync("delta", "{\"from\":\"source\",\"n\":2}");
        await CliWorkspace.SeedAsync(TargetPath, "delta", "{\"from\":\"target\"}");
        var targetFirst = File.ReadAllBytes(CliWorkspace.SnapshotFile(TargetPath, "delta", 1));

        var result = (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Target)).ShouldExit(1);

        Assert.Contains("delta #1 NOT copied", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("different snapshot", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("with problems", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(targetFirst, File.ReadAllBytes(CliWorkspace.SnapshotFile(TargetPath, "delta", 1)));
        Assert.Equal(File.ReadAllBytes(CliWorkspace.SnapshotFile(SourcePath, "delta", 2)), File.ReadAllBytes(CliWorkspace.SnapshotFile(TargetPath, "delta", 2)));
    }

    [Fact]
    public async Task Migrate_SystemOption_CopiesOnlyThatSystemAndRejectsBadInput()
    {
        await _workspace.SeedAsync("one", "{}");
        await _workspace.SeedAsync("two", "{}");

        var json = (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Target, "--system", "two", "--json")).ShouldExit(0).Json();

        Assert.Equal(["two"], json.GetProperty("systems").EnumerateArray().Select(s => s.GetProperty("system").GetString()));
        Assert.False(Directory.Exists(Path.Combine(TargetPath, "one")));
        (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Target, "--system", "three")).ShouldFailWithOneLine(4);
        (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Source + "/")).ShouldFailWithOneLine(2);
        (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", "nowhere")).ShouldFailWithOneLine(2);
    }

    public void Dispose() => _workspace.Dispose();
}
