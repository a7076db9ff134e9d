using System.Text.RegularExpressions;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Cli.Tests;

/// <summary><c>statevault keys</c> on a direct (file) store: the API key manager changes the <c>api_keys</c> system there.</summary>
public sealed partial class KeysTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task KeysCreate_DirectStore_PrintsTheKeyAloneAndStoresNoTraceOfIt()
    {
        var created = (await _workspace.RunAsync("keys", "create", "--role", "writer", "--description", "deploy bot")).ShouldExit(0);

        var key = created.Stdout.TrimEnd('\n');
        Assert.Matches(KeyPattern(), key);
        Assert.DoesNotContain('\n', key);
        var id = key.Substring(4, 12);
        var secret = key[(4 + 12 + 1)..];

        var listed = (await _workspace.RunAsync("keys", "list")).ShouldExit(0);
        Assert.Contains(id, listed.Stdout, StringComparison.Ordinal);
        Assert.Contains("writer", listed.Stdout, StringComparison.Ordinal);
        Assert.Contains("deploy bot", listed.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed.Stdout, StringComparison.Ordinal);

        var json = (await _workspace.RunAsync("keys", "list", "--json")).ShouldExit(0);
        Assert.DoesNotContain(secret, json.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("hash", json.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("salt", json.Stdout, StringComparison.OrdinalIgnoreCase);
        var entry = Assert.Single(json.Json().GetProperty("keys").EnumerateArray());
        Assert.Equal(id, entry.GetProperty("id").GetString());
        Assert.Equal("writer", entry.GetProperty("role").GetString());
        Assert.False(entry.GetProperty("revoked").GetBoolean());

        // Every byte the store holds (and anything beside it in the working folder): neither the key nor its secret part.
        var files = Directory.EnumerateFiles(_workspace.Root, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.Contains("api_keys", StringComparison.Ordinal));
        foreach (var file in files)
        {
            // Decoded too: a compressed payload would hide the key from a plain byte search.
            var bytes = File.ReadAllBytes(file);
            Assert.False(StoredBytes.Contains(bytes, secret), $"The key's secret is in {file}.");
            Assert.False(StoredBytes.Contains(bytes, key), $"The key is in {file}.");
        }
    }

    [Fact]
    public async Task KeysRevoke_KnownKey_MarksItRevokedAndKeepsTheOthers()
    {
        var first = (await _workspace.RunAsync("keys", "create", "--role", "admin")).ShouldExit(0).Stdout.Trim();
        var second = (await _workspace.RunAsync("keys", "create", "--role", "reader")).ShouldExit(0).Stdout.Trim();
        var firstId = first.Substring(4, 12);
        var secondId = second.Substring(4, 12);

        (await _workspace.RunAsync("keys", "revoke", firstId)).ShouldExit(0);

        var keys = (await _workspace.RunAsync("keys", "list", "--json")).ShouldExit(0).Json().GetProperty("keys").EnumerateArray()
            .ToDictionary(k => k.GetProperty("id").GetString()!, k => k.GetProperty("revoked").GetBoolean());
        Assert.Equal(2, keys.Count);
        Assert.True(keys[firstId]);
        Assert.False(keys[secondId]);
    }

    [Fact]
    public async Task KeysRevoke_UnknownId_ExitsFour()
    {
        (await _workspace.RunAsync("keys", "create", "--role", "reader")).ShouldExit(0);

        (await _workspace.RunAsync("keys", "revoke", "0123456789ab")).ShouldFailWithOneLine(4);
    }

    [Fact]
    public async Task KeysCreate_BadRole_ExitsTwoAndWritesNothing()
    {
        (await _workspace.RunAsync("keys", "create", "--role", "root")).ShouldFailWithOneLine(2);

        Assert.False(Directory.Exists(_workspace.StorePath));
    }

    [Fact]
    public async Task KeysList_ServerStoreWithoutAdminKey_ExitsTwo()
    {
        (await _workspace.Cli.RunAsync("--store", "http://127.0.0.1:9", "keys", "list")).ShouldFailWithOneLine(2);
    }

    [Fact]
    public async Task KeysCreate_SqliteStoreWithoutFingerprintSecret_ExitsTwoNamingTheOptionAndWritesNothing()
    {
        var database = Path.Combine(_workspace.Root, "db", "statevault.db");

        var refused = (await _workspace.Cli.RunAsync("--store", "sqlite:" + database, "keys", "create", "--role", "admin")).ShouldFailWithOneLine(2);

        Assert.Contains("StateVault:Managers:ApiKeys:FingerprintSecret", refused.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(database));
        Assert.False(Directory.Exists(Path.Combine(_workspace.Root, "data")));
    }

    [Fact]
    public async Task KeysCreate_SqliteStoreWithFingerprintSecret_CreatesTheKeyAndWritesNothingIntoTheWorkingFolder()
    {
        var database = Path.Combine(_workspace.Root, "db", "statevault.db");
        _workspace.Cli.WithEnvironment("StateVault__Managers__ApiKeys__FingerprintSecret", "a-configured-secret-of-some-length");

        var created = (await _workspace.Cli.RunAsync("--store", "sqlite:" + database, "keys", "create", "--role", "admin")).ShouldExit(0);

        Assert.Matches(KeyPattern(), created.Stdout.TrimEnd('\n'));
        Assert.Equal(["db"], Directory.EnumerateFileSystemEntries(_workspace.Root).Select(Path.GetFileName));
    }

    [GeneratedRegex("^svk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")]
    private static partial Regex KeyPattern();
}
