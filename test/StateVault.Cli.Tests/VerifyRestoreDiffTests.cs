using System.Text;
using Xunit;

namespace StateVault.Cli.Tests;

/// <summary><c>verify</c>, <c>restore</c>, <c>diff</c>, and reading around damaged snapshots.</summary>
public sealed class VerifyRestoreDiffTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    [Fact]
    public async Task Verify_TamperedSnapshot_Exit3NamingItAndChangesNothing()
    {
        for (var i = 1; i <= 3; i++)
        {
            await _workspace.SeedAsync("ledger", $"{{\"entries\":{i}}}");
        }

        await _workspace.SeedAsync("other", "{}");
        var healthy = (await _workspace.RunAsync("verify", "--json")).ShouldExit(0).Json();
        Assert.True(healthy.GetProperty("healthy").GetBoolean());
        Assert.Equal(4, healthy.GetProperty("checked").GetInt32());

        CliWorkspace.Tamper(_workspace.StorePath, "ledger", 2);
        var before = CliWorkspace.Tree(_workspace.Root);

        var table = (await _workspace.RunAsync("verify")).ShouldExit(3);
        Assert.Contains("ledger #2", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("payload checksum mismatch", table.Stdout, StringComparison.Ordinal);
        var json = (await _workspace.RunAsync("verify", "ledger", "--json")).ShouldExit(3).Json();
        Assert.False(json.GetProperty("healthy").GetBoolean());
        Assert.Equal(3, json.GetProperty("checked").GetInt32());
        var damaged = Assert.Single(json.GetProperty("damaged").EnumerateArray());
        Assert.Equal("ledger", damaged.GetProperty("system").GetString());
        Assert.Equal(2, damaged.GetProperty("sequence").GetInt64());
        (await _workspace.RunAsync("verify", "other")).ShouldExit(0);
        Assert.Equal(before, CliWorkspace.Tree(_workspace.Root));

        // Reading the damaged snapshot itself fails (1) and names it; the list marks it.
        var show = (await _workspace.RunAsync("show", "ledger", "--seq", "2")).ShouldFailWithOneLine(1);
        Assert.Contains("Snapshot 2 of system 'ledger' is corrupt", show.Stderr, StringComparison.Ordinal);
        var list = (await _workspace.RunAsync("list", "ledger", "--json")).ShouldExit(0).Json();
        var listed = list.GetProperty("snapshots").EnumerateArray().Single(s => s.GetProperty("sequence").GetInt64() == 2);
        Assert.False(listed.GetProperty("valid").GetBoolean());
        Assert.Equal("payload checksum mismatch", listed.GetProperty("error").GetString());
    }

    [Fact]
    public async Task EveryVerb_HugeSparseSnapshotFile_IsDamageNotAStoreFailure()
    {
        await _workspace.SeedAsync("big", "{\"generation\":1}");
        using (var file = new FileStream(CliWorkspace.SnapshotFile(_workspace.StorePath, "big", 2), FileMode.CreateNew))
        {
            file.SetLength(3L << 30); // sparse: costs no disk
        }

        var verify = (await _workspace.RunAsync("verify", "big", "--json")).ShouldExit(3).Json();
        var list = (await _workspace.RunAsync("list", "big", "--json")).ShouldExit(0).Json();
        (await _workspace.RunAsync("prune", "big", "--dry-run")).ShouldExit(0);
        var show = (await _workspace.RunAsync("show", "big")).ShouldExit(0);
        var save = (await _workspace.RunWithInputAsync("{\"generation\":3}", "save", "big")).ShouldExit(0);

        Assert.Equal(2, Assert.Single(verify.GetProperty("damaged").EnumerateArray()).GetProperty("sequence").GetInt64());
        Assert.Contains(list.GetProperty("snapshots").EnumerateArray(), s => s.GetProperty("sequence").GetInt64() == 2 && !s.GetProperty("valid").GetBoolean());
        Assert.Equal("{\"generation\":1}", show.Stdout);
        Assert.StartsWith("statevault: warning: snapshot 2 of 'big' is damaged", Assert.Single(show.StderrLines), StringComparison.Ordinal);
        Assert.DoesNotContain("retention", save.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.True(File.Exists(Path.Combine(_workspace.StorePath, "big", ".quarantine", "big-0000000000000000002.svsnap")));
    }

    [Fact]
    public async Task Show_NewestDamagedAndQuarantineImpossible_StillFallsBackAndSaysWhy()
    {
        await _workspace.SeedAsync("stuck", "{\"generation\":1}");
        await _workspace.SeedAsync("stuck", "{\"generation\":2}");
        CliWorkspace.Tamper(_workspace.StorePath, "stuck", 2);
        // A file where the quarantine folder would go: the move fails as on a read-only or full disk (tests run as root,
        // so chmod would not stop it).
        await File.WriteAllTextAsync(Path.Combine(_workspace.StorePath, "stuck", ".quarantine"), "not a folder", TestContext.Current.CancellationToken);

        var show = (await _workspace.RunAsync("show", "stuck")).ShouldExit(0);
        (await _workspace.RunAsync("prune", "stuck", "--keep-last", "1")).ShouldExit(0);

        Assert.Equal("{\"generation\":1}", show.Stdout);
        Assert.Contains("could not be moved to quarantine", Assert.Single(show.StderrLines), StringComparison.Ordinal);
        Assert.True(File.Exists(CliWorkspace.SnapshotFile(_workspace.StorePath, "stuck", 2)), "the damaged snapshot stays in place, never deleted");
        Assert.True(File.Exists(CliWorkspace.SnapshotFile(_workspace.StorePath, "stuck", 1)), "the only valid snapshot is kept");
    }

    [Fact]
    public async Task Show_NewestDamaged_FallsBackWithWarningOnStderr()
    {
        await _workspace.SeedAsync("cache", "{\"generation\":1}");
        await _workspace.SeedAsync("cache", "{\"generation\":2}");
        CliWorkspace.Tamper(_workspace.StorePath, "cache", 2);

        var result = (await _workspace.RunAsync("show", "cache")).ShouldExit(0);

        Assert.Equal("{\"generation\":1}", result.Stdout);
        var warning = Assert.Single(result.StderrLines);
        Assert.StartsWith("statevault: warning: snapshot 2 of 'cache' is damaged", warning, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_workspace.StorePath, "cache", ".quarantine", Path.GetFileName(CliWorkspace.SnapshotFile(_workspace.StorePath, "cache", 2)))));

        // With every snapshot damaged there is nothing to show: a failure, not "not found".
        CliWorkspace.Tamper(_workspace.StorePath, "cache", 1);
        var none = (await _workspace.RunAsync("show", "cache")).ShouldExit(1);
        Assert.Empty(none.StdoutBytes);
        Assert.Contains("statevault: error: System 'cache' has no valid snapshot", none.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_OlderSnapshot_BecomesNewestWithOldContent()
    {
        var original = "{\"thresholds\":{\"cpu\":80}}";
        await _workspace.SeedAsync("health", original);
        await _workspace.SeedAsync("health", "{\"thresholds\":{\"cpu\":99}}");

        var restored = (await _workspace.RunAsync("restore", "health", "1", "--json")).ShouldExit(0).Json();

        Assert.Equal(3, restored.GetProperty("snapshot").GetProperty("sequence").GetInt64());
        Assert.Equal(1, restored.GetProperty("restored_from").GetInt64());
        Assert.Equal("1", restored.GetProperty("snapshot").GetProperty("attributes").GetProperty("restored_from").GetString());
        Assert.Equal(Encoding.UTF8.GetBytes(original), (await _workspace.RunAsync("show", "health")).ShouldExit(0).StdoutBytes);
        var list = (await _workspace.RunAsync("list", "health", "--json")).ShouldExit(0).Json();
        Assert.Equal([3L, 2L, 1L], list.GetProperty("snapshots").EnumerateArray().Select(s => s.GetProperty("sequence").GetInt64()));

        var table = (await _workspace.RunAsync("restore", "health", "2")).ShouldExit(0).Stdout;
        Assert.Contains("Restored snapshot 2 of 'health' as snapshot 4.", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_TwoSnapshots_ListsChangedPathsWithOldAndNewValues()
    {
        await _workspace.SeedAsync("alerts", "{\"rules\":{\"cpu\":80,\"disk\":90},\"muted\":[\"a\"],\"owner\":\"ops\"}");
        await _workspace.SeedAsync("alerts", "{\"rules\":{\"cpu\":85,\"disk\":90},\"muted\":[\"a\",\"b\"],\"channel\":\"#ops\"}");

        var json = (await _workspace.RunAsync("diff", "alerts", "1", "2", "--json")).ShouldExit(0).Json();

        Assert.Equal(1, json.GetProperty("from_sequence").GetInt64());
        Assert.Equal(2, json.GetProperty("to_sequence").GetInt64());
        var changes = json.GetProperty("changes").EnumerateArray().ToDictionary(c => c.GetProperty("path").GetString()!, c => c);
        Assert.Equal(["$.channel", "$.muted[1]", "$.owner", "$.rules.cpu"], changes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("changed", changes["$.rules.cpu"].GetProperty("kind").GetString());
        Assert.Equal(80, changes["$.rules.cpu"].GetProperty("old_value").GetInt32());
        Assert.Equal(85, changes["$.rules.cpu"].GetProperty("new_value").GetInt32());
        Assert.Equal("removed", changes["$.owner"].GetProperty("kind").GetString());
        Assert.Equal("added", changes["$.channel"].GetProperty("kind").GetString());

        var table = (await _workspace.RunAsync("diff", "alerts", "1", "2")).ShouldExit(0).Stdout;
        Assert.Contains("$.rules.cpu", table, StringComparison.Ordinal);
        Assert.Contains("4 changes between snapshots 1 and 2 of 'alerts'.", table, StringComparison.Ordinal);
        var same = (await _workspace.RunAsync("diff", "alerts", "2", "2")).ShouldExit(0).Stdout;
        Assert.Contains("No differences", same, StringComparison.Ordinal);
    }

    public void Dispose() => _workspace.Dispose();
}
