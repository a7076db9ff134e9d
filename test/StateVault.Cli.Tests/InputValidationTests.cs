using Xunit;

namespace StateVault.Cli.Tests;

/// <summary>Exit code 2 with one clear line and nothing written; usage errors; store failures (exit 1).</summary>
public sealed class InputValidationTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public static TheoryData<string> BadNames() => new()
    {
        "../x",
        "a/b",
        "..%2F..%2Fetc",
        "%2e%2e%2fx",
        "/tmp/sv-absolute-name",
        "Upper",
        new string('a', 65),
        "\u0430lpha", // Cyrillic 'а' that looks like a Latin 'a'
        "a\\b",
        ".hidden",
        "@state.json", // never read as a response file
        "con", // Windows device names break the store on Windows
        "nul.json",
        "com1",
        "health.", // a trailing dot is dropped by Windows
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task Save_BadSystemName_Exit2AndWritesNothing(string name)
    {
        var file = _workspace.WriteFile("state.json", "{\"ok\":true}");
        var before = CliWorkspace.Tree(_workspace.Root);

        var save = (await _workspace.RunAsync("save", name, "--file", file)).ShouldFailWithOneLine(2);
        Assert.Contains("Invalid system name", save.Stderr, StringComparison.Ordinal);
        if (name.All(c => c is >= ' ' and <= '~'))
        {
            // The name is echoed as given (so "@state.json" was not expanded as a response file).
            Assert.Contains($"'{name}'", save.Stderr, StringComparison.Ordinal);
        }

        // Nothing in the store folder, nothing next to it (its parent is the working folder), nothing at an absolute path.
        Assert.Equal(before, CliWorkspace.Tree(_workspace.Root));
        Assert.False(Directory.Exists(_workspace.StorePath));
        Assert.False(Path.Exists("/tmp/sv-absolute-name"));
    }

    [Fact]
    public async Task EveryVerb_TraversalName_Exit2AndWritesNothing()
    {
        await _workspace.SeedAsync("real", "{\"a\":1}");
        var before = CliWorkspace.Tree(_workspace.Root);

        (await _workspace.RunWithInputAsync("{\"a\":2}", "save", "../real")).ShouldFailWithOneLine(2);
        string[][] runs =
        [
            ["show", "../real"],
            ["list", "../real"],
            ["diff", "../real", "1", "1"],
            ["verify", "../real"],
            ["restore", "../real", "1"],
            ["prune", "../real", "--keep-last", "1"],
            ["migrate", "--from", _workspace.Store, "--to", _workspace.StoreUri("other"), "--system", "../real"],
        ];
        foreach (var run in runs)
        {
            (await _workspace.RunAsync(run)).ShouldFailWithOneLine(2);
        }

        Assert.Equal(before, CliWorkspace.Tree(_workspace.Root));
    }

    [Fact]
    public async Task Save_UnreadableFileOrInvalidJson_Exit2AndWritesNothing()
    {
        await _workspace.SeedAsync("config", "{\"a\":1}");
        var invalid = _workspace.WriteFile("invalid.json", "{\"a\": 1,,}");
        var before = CliWorkspace.Tree(_workspace.Root);

        var missing = (await _workspace.RunAsync("save", "config", "--file", Path.Combine(_workspace.Root, "nope.json"))).ShouldFailWithOneLine(2);
        Assert.Contains("no such file", missing.Stderr, StringComparison.Ordinal);
        var folder = (await _workspace.RunAsync("save", "config", "--file", _workspace.Root)).ShouldFailWithOneLine(2);
        Assert.Contains("folder", folder.Stderr, StringComparison.Ordinal);
        var badFile = (await _workspace.RunAsync("save", "config", "--file", invalid)).ShouldFailWithOneLine(2);
        Assert.Contains("not valid JSON", badFile.Stderr, StringComparison.Ordinal);
        (await _workspace.RunWithInputAsync("not json", "save", "config")).ShouldFailWithOneLine(2);
        (await _workspace.RunWithInputAsync(string.Empty, "save", "config")).ShouldFailWithOneLine(2);
        (await _workspace.RunWithInputAsync("{} {}", "save", "config")).ShouldFailWithOneLine(2);

        Assert.Equal(before, CliWorkspace.Tree(_workspace.Root));
    }

    [Fact]
    public async Task Save_SecretInState_Exit2NamesThePathNeverTheValue()
    {
        var secret = "sk-proj-" + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kL9n"; // 40 alphanumerics
        var before = CliWorkspace.Tree(_workspace.Root);

        var result = (await _workspace.RunWithInputAsync($"{{\"config\":{{\"api_key\":\"{secret}\",\"model\":\"gpt\"}}}}", "save", "assistant")).ShouldFailWithOneLine(2);

        Assert.Contains("$.config.api_key", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[8..], result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, CliWorkspace.Tree(_workspace.Root));
        Assert.False(Directory.Exists(_workspace.StorePath));
    }

    [Fact]
    public async Task Save_SecretInTag_Exit2NamesTheTagPathNeverTheValue()
    {
        var secret = "sk-proj-" + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kL9n"; // 40 alphanumerics
        var file = _workspace.WriteFile("state.json", "{\"ok\":true}");
        var before = CliWorkspace.Tree(_workspace.Root);

        var result = (await _workspace.RunAsync("save", "assistant", "--file", file, "--tag", "release", "--tag", secret)).ShouldFailWithOneLine(2);

        Assert.Contains("header.tags[1]", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[8..], result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, CliWorkspace.Tree(_workspace.Root));
        Assert.False(Directory.Exists(_workspace.StorePath));
    }

    [Fact]
    public async Task Usage_Errors_Exit2WithOneLine()
    {
        string[][] runs =
        [
            [],
            ["frobnicate"],
            ["show"],
            ["show", "a", "--seq", "abc"],
            ["show", "a", "--seq", "0"],
            ["diff", "a", "1"],
            ["save", "a", "--expect", "-1"],
            ["prune", "--keep-last", "0"],
            ["prune", "--keep-within", "7x"],
            ["migrate", "--from", _workspace.Store],
            ["--store", "no-scheme-here", "systems"],
            ["--store", "gopher://host/x", "systems"],
            ["--store", "file:", "systems"],
        ];
        foreach (var run in runs)
        {
            var result = (await _workspace.Cli.RunAsync(run)).ShouldFailWithOneLine(2);
            Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal([], CliWorkspace.Tree(_workspace.Root));
    }

    [Fact]
    public async Task Help_AnyVerb_Exit0AndListsVerbs()
    {
        var help = (await _workspace.Cli.RunAsync("--help")).ShouldExit(0).Stdout;
        foreach (var verb in new[] { "systems", "list", "show", "save", "diff", "verify", "restore", "prune", "stats", "migrate" })
        {
            Assert.Contains(verb, help, StringComparison.Ordinal);
        }

        var pruneHelp = (await _workspace.Cli.RunAsync("prune", "--help")).ShouldExit(0).Stdout;
        Assert.Contains("--keep-within", pruneHelp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_StoreFolderIsAFile_Exit1()
    {
        var notAFolder = _workspace.WriteFile("not-a-folder", "x");

        var result = (await _workspace.Cli.RunAsync(["--store", "file:" + notAFolder, "save", "system"], "{\"a\":1}")).ShouldFailWithOneLine(1);

        Assert.Contains("system", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(notAFolder));
    }

    public void Dispose() => _workspace.Dispose();
}
