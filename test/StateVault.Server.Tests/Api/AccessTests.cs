using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StateVault.Managers.ApiKeys;
using StateVault.Server.Hosting;
using StateVault.Server.Tests.Support;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.Api;

public sealed class AccessTests : IAsyncLifetime
{
    private ServerHost _sut = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _sut = await ServerHost.StartAsync(cancellationToken: Ct);
        await _sut.Vault.SaveJsonAsync("open_sys", """{"v":1}"""u8.ToArray(), cancellationToken: Ct);
        await _sut.Vault.SaveJsonAsync("open_sys", """{"v":2}"""u8.ToArray(), cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync() => await _sut.DisposeAsync();

    /// <summary>Every /api route with the lowest role that may call it.</summary>
    public static TheoryData<string, string, string> Routes => new()
    {
        { "GET", "api/systems", "reader" },
        { "GET", "api/systems/open_sys/snapshots", "reader" },
        { "GET", "api/systems/open_sys/snapshots/latest", "reader" },
        { "GET", "api/systems/open_sys/snapshots/1", "reader" },
        { "POST", "api/systems/open_sys/snapshots", "writer" },
        { "POST", "api/systems/open_sys/snapshots/1/restore", "writer" },
        { "DELETE", "api/systems/open_sys/snapshots/1", "admin" },
        { "GET", "api/systems/open_sys/diff?from=1&to=2", "reader" },
        { "POST", "api/verify", "writer" },
        { "POST", "api/prune?dryRun=true", "admin" },
        { "GET", "api/managers", "reader" },
        { "GET", "api/managers/health_thresholds", "reader" },
        { "GET", "api/managers/health_thresholds/state", "reader" },
        { "POST", "api/managers/health_thresholds/save", "writer" },
        { "GET", "api/keys", "admin" },
        { "POST", "api/keys", "admin" },
        { "DELETE", "api/keys/000000000000", "admin" },
        { "GET", "api/whoami", "reader" },
        { "GET", "api/envelopes", "reader" },
        { "GET", "api/systems/open_sys/envelopes", "reader" },
        { "GET", "api/systems/open_sys/envelopes/1", "reader" },
        { "PUT", "api/systems/open_sys/envelopes/99", "writer" },
        { "DELETE", "api/systems/open_sys/envelopes/2", "admin" },
        { "POST", "api/systems/open_sys/envelopes/2/quarantine", "writer" },
        { "GET", "api/events", "reader" },
    };

    private static readonly string[] s_roles = ["reader", "writer", "admin"];

    private HttpRequestMessage Request(string method, string path, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (method is "POST" or "PUT")
        {
            request.Content = path.EndsWith("/api/keys", StringComparison.Ordinal) || path == "api/keys"
                ? JsonContent.Create(new { role = "reader" })
                : path.Contains("/envelopes/", StringComparison.Ordinal) && method == "PUT"
                    ? new ByteArrayContent(TestEnvelopes.Create("open_sys", 99, "{}").ToArray())
                    : new StringContent("""{"v":3}""", System.Text.Encoding.UTF8, "application/json");
        }

        return request;
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EveryApiRoute_AuthMatrix_401WithoutKey403BelowRoleAllowedAtOrAbove(string method, string path, string minimum)
    {
        using var client = _sut.Client();
        var keys = new Dictionary<string, string> { ["reader"] = _sut.ReaderKey, ["writer"] = _sut.WriterKey, ["admin"] = _sut.AdminKey };

        using (var anonymous = await client.SendAsync(Request(method, path, null), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            var problem = await SnapshotApiTests.ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
            Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
            Assert.NotNull(problem.GetProperty("detail").GetString());
        }

        using (var wrong = await client.SendAsync(Request(method, path, "svk_000000000000_notakey"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        foreach (var role in s_roles)
        {
            using var response = await client.SendAsync(Request(method, path, keys[role]), HttpCompletionOption.ResponseHeadersRead, Ct);
            if (Array.IndexOf(s_roles, role) < Array.IndexOf(s_roles, minimum))
            {
                await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.Forbidden);
            }
            else
            {
                Assert.True(
                    response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.InternalServerError),
                    $"{method} {path} as {role}: {(int)response.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task Keys_CreateListRevoke_TheNewKeyWorksUntilRevoked()
    {
        using var admin = _sut.Client(_sut.AdminKey);

        using var created = await admin.PostAsJsonAsync("api/keys", new { role = "writer", description = "ci" }, Ct);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var key = body.GetProperty("key").GetString()!;
        var id = body.GetProperty("info").GetProperty("id").GetString()!;
        using var newClient = _sut.Client(key);
        var who = await newClient.GetFromJsonAsync<JsonElement>("api/whoami", Ct);
        var listed = await admin.GetFromJsonAsync<JsonElement>("api/keys", Ct);
        using var revoked = await admin.DeleteAsync($"api/keys/{id}", Ct);
        using var afterRevoke = await newClient.GetAsync("api/whoami", Ct);
        using var bad = await admin.PostAsJsonAsync("api/keys", new { role = "root" }, Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.StartsWith($"svk_{id}_", key, StringComparison.Ordinal);
        Assert.Equal("writer", body.GetProperty("info").GetProperty("role").GetString());
        Assert.Equal("writer", who.GetProperty("role").GetString());
        Assert.Contains(listed.EnumerateArray(), k => k.GetProperty("id").GetString() == id);
        Assert.DoesNotContain(key, listed.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.DoesNotContain(_sut.Logs.Lines, l => l.Contains(key, StringComparison.Ordinal) || l.Contains(_sut.AdminKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Authentication_KeysAndWrongKeys_NeverAppearInLogs()
    {
        const string Wrong = "svk_abcdefabcdef_ThisIsAWrongSecretThatMustNotBeLogged";
        using var good = _sut.Client(_sut.AdminKey);
        using var bad = _sut.Client(Wrong);

        (await good.GetAsync("api/systems", Ct)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await bad.GetAsync("api/systems", Ct)).StatusCode);

        Assert.Contains(_sut.Logs.Lines, l => l.Contains("Failed authentication", StringComparison.Ordinal));
        // The secret part follows the id; base64url may itself contain '_', so split only once after "svk_<id>_".
        var adminSecret = _sut.AdminKey[(_sut.AdminKey.IndexOf('_', "svk_".Length) + 1)..];
        foreach (var secret in new[] { Wrong, _sut.AdminKey, adminSecret })
        {
            Assert.DoesNotContain(_sut.Logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }
}

public sealed class FirstStartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FirstStart_NoKeysOnATerminal_PrintsAnAdminKeyOnceWithADashboardLinkAndNeverLogsIt()
    {
        var root = Path.Combine(Path.GetTempPath(), "sv-first-" + Guid.NewGuid().ToString("N"));
        try
        {
            string printed;
            string key;
            await using (var first = await ServerHost.StartAsync(storeRoot: root, createKeys: false, interactiveConsole: true, cancellationToken: Ct))
            {
                var keys = first.Keys;
                printed = first.Console.ToString();
                var created = Assert.Single(keys.ListAccessKeys());
                Assert.Equal(AccessRole.Admin, created.Role);
                key = printed.Split(['\n', ' '], StringSplitOptions.RemoveEmptyEntries).First(w => w.StartsWith("svk_", StringComparison.Ordinal)).Trim();
                Assert.Contains($"StateVault dashboard: {first.BaseAddress}", printed, StringComparison.Ordinal);
                Assert.Contains($"{first.BaseAddress}#key={Uri.EscapeDataString(key)}", printed, StringComparison.Ordinal);
                using var client = first.Client(key);
                Assert.Equal("admin", (await client.GetFromJsonAsync<JsonElement>("api/whoami", Ct)).GetProperty("role").GetString());
                Assert.DoesNotContain(first.Logs.Lines, l => l.Contains(key, StringComparison.Ordinal));
                Assert.Contains(first.Logs.Lines, l => l.Contains(created.Id, StringComparison.Ordinal));
            }

            Assert.Equal(key, (await File.ReadAllTextAsync(ServerHost.FirstAdminKeyFileOf(root), Ct)).Trim());
            await using var second = await ServerHost.StartAsync(storeRoot: root, createKeys: false, interactiveConsole: true, cancellationToken: Ct);

            Assert.Single(second.Keys.ListAccessKeys());
            Assert.DoesNotContain("svk_", second.Console.ToString(), StringComparison.Ordinal);
            Assert.Contains("StateVault dashboard:", second.Console.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            File.Delete(ServerHost.FirstAdminKeyFileOf(root));
        }
    }

    [Fact]
    public async Task FirstStart_HeadlessOnAStoreWithoutAFolderAndNoKeyFile_CreatesNoKeyAndSaysHowToMakeOne()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Path);
        var builder = StateVaultServer.CreateBuilder(
        [
            "--urls", "http://127.0.0.1:0", "--store", "sqlite:" + Path.Combine(dir.Path, "statevault.db"),
            "--StateVault:Managers:ApiKeys:FingerprintSecret", "a-configured-secret-of-some-length",
        ]);
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        var console = new StringWriter();
        builder.Services.AddSingleton(new ServerConsole(console, isInteractive: false));
        await using var sut = StateVaultServer.Build(builder);

        await sut.StartAsync(Ct);

        Assert.Empty(sut.Services.GetRequiredService<IAccessKeyRegistry>().ListAccessKeys());
        Assert.Contains(logs.Lines, l => l.Contains("keys create --role admin", StringComparison.Ordinal));
        Assert.Equal("", console.ToString());
        await sut.StopAsync(Ct);
    }
}
