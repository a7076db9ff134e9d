using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StateVault.Server.Tests.Support;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.Api;

public sealed class SnapshotApiTests : IAsyncLifetime
{
    private ServerHost _sut = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _sut = await ServerHost.StartAsync(settings: new Dictionary<string, string> { ["StateVault:Server:MaxRequestBodyBytes"] = "65536" }, cancellationToken: Ct);

    public async ValueTask DisposeAsync() => await _sut.DisposeAsync();

    internal static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    internal static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.DoesNotContain("   at ", problem.ToString(), StringComparison.Ordinal); // no stack trace
        return problem;
    }

    private async Task<long> SaveAsync(string system, string json)
    {
        using var client = _sut.Client(_sut.WriterKey);
        using var response = await client.PostAsync($"api/systems/{system}/snapshots", Json(json), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("sequence").GetInt64();
    }

    [Fact]
    public async Task Save_ThenGetLatest_ReturnsTheStateWithItsSequenceAsETag()
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var saved = await client.PostAsync("api/systems/sensor_limits/snapshots", Json("""{"cpu":{"warning":70}}"""), Ct);
        using var latest = await client.GetAsync("api/systems/sensor_limits/snapshots/latest", Ct);

        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        Assert.Equal("/api/systems/sensor_limits/snapshots/1", saved.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", saved.Headers.ETag?.Tag);
        Assert.Equal(HttpStatusCode.OK, latest.StatusCode);
        Assert.Equal("\"1\"", latest.Headers.ETag?.Tag);
        Assert.Equal("application/json", latest.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"cpu":{"warning":70}}""", await latest.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task GetBySequence_ExistingAndMissing_ReturnsStateOr404Problem()
    {
        await SaveAsync("alpha", """{"v":1}""");
        await SaveAsync("alpha", """{"v":2}""");
        using var client = _sut.Client(_sut.ReaderKey);

        using var first = await client.GetAsync("api/systems/alpha/snapshots/1", Ct);
        using var missing = await client.GetAsync("api/systems/alpha/snapshots/9", Ct);
        using var none = await client.GetAsync("api/systems/nothing_here/snapshots/latest", Ct);

        Assert.Equal("""{"v":1}""", await first.Content.ReadAsStringAsync(Ct));
        Assert.Equal("\"1\"", first.Headers.ETag?.Tag);
        await ProblemAsync(missing, HttpStatusCode.NotFound);
        await ProblemAsync(none, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Save_WithIfMatchOfTheLatest_SucceedsAndWithStaleIfMatch_Returns412AndWritesNothing()
    {
        await SaveAsync("cas", """{"v":1}""");
        await SaveAsync("cas", """{"v":2}""");
        using var client = _sut.Client(_sut.WriterKey);

        using var stale = new HttpRequestMessage(HttpMethod.Post, "api/systems/cas/snapshots") { Content = Json("""{"v":"stale"}""") };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        using var staleResponse = await client.SendAsync(stale, Ct);
        using var current = new HttpRequestMessage(HttpMethod.Post, "api/systems/cas/snapshots") { Content = Json("""{"v":3}""") };
        current.Headers.IfMatch.Add(new EntityTagHeaderValue("\"2\""));
        using var currentResponse = await client.SendAsync(current, Ct);

        var problem = await ProblemAsync(staleResponse, HttpStatusCode.PreconditionFailed);
        Assert.Equal(2, problem.GetProperty("latestSequence").GetInt64());
        Assert.Equal(HttpStatusCode.Created, currentResponse.StatusCode);
        Assert.Equal("\"3\"", currentResponse.Headers.ETag?.Tag);
        var listing = await client.GetFromJsonAsync<JsonElement>("api/systems/cas/snapshots", Ct);
        Assert.Equal([3L, 2L, 1L], listing.EnumerateArray().Select(s => s.GetProperty("sequence").GetInt64()));
    }

    [Fact]
    public async Task Save_WithNonNumericIfMatch_Returns400()
    {
        using var client = _sut.Client(_sut.WriterKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/systems/cas/snapshots") { Content = Json("{}") };
        request.Headers.TryAddWithoutValidation("If-Match", "\"abc\"");

        using var response = await client.SendAsync(request, Ct);

        await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(_sut.StoredFiles());
    }

    [Fact]
    public async Task ListSnapshots_ReturnsNewestFirstWithMetadata()
    {
        await SaveAsync("listed", """{"v":1}""");
        await SaveAsync("listed", """{"v":22}""");
        using var client = _sut.Client(_sut.ReaderKey);

        var listing = await client.GetFromJsonAsync<JsonElement>("api/systems/listed/snapshots", Ct);

        var items = listing.EnumerateArray().ToList();
        Assert.Equal([2L, 1L], items.Select(i => i.GetProperty("sequence").GetInt64()));
        Assert.All(items, i => Assert.True(i.GetProperty("isValid").GetBoolean()));
        Assert.Equal(8, items[0].GetProperty("metadata").GetProperty("rawLength").GetInt64());
        Assert.True(items[0].GetProperty("storedBytes").GetInt64() > 8);
    }

    [Fact]
    public async Task ListSystems_ShowsCountsBytesLastSaveAndSaveOutcomes()
    {
        await SaveAsync("sys_a", """{"v":1}""");
        await SaveAsync("sys_a", """{"v":2}""");
        await SaveAsync("sys_b", """{"v":1}""");
        using var client = _sut.Client(_sut.ReaderKey);

        // The managers' own systems (api_keys, saved at each key creation) are listed too; these are the API's.
        var systems = (await client.GetFromJsonAsync<JsonElement>("api/systems", Ct)).EnumerateArray()
            .Where(s => s.GetProperty("manager").ValueKind == JsonValueKind.Null).ToList();

        Assert.Equal(["sys_a", "sys_b"], systems.Select(s => s.GetProperty("name").GetString()));
        var a = systems[0];
        Assert.Equal(2, a.GetProperty("latestSequence").GetInt64());
        Assert.Equal(2, a.GetProperty("count").GetInt32());
        Assert.True(a.GetProperty("bytes").GetInt64() > 0);
        Assert.NotEqual(JsonValueKind.Null, a.GetProperty("lastSavedUtc").ValueKind);
        Assert.Equal(2, a.GetProperty("saves").GetProperty("succeeded").GetInt64());
        Assert.Equal(1.0, a.GetProperty("saves").GetProperty("successRate").GetDouble());
        Assert.Equal(JsonValueKind.Null, a.GetProperty("manager").ValueKind);
    }

    [Fact]
    public async Task Restore_MakesACopyOfTheOldSnapshotTheNewest()
    {
        await SaveAsync("restorable", """{"v":1}""");
        await SaveAsync("restorable", """{"v":2}""");
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PostAsync("api/systems/restorable/snapshots/1/restore", null, Ct);
        using var missing = await client.PostAsync("api/systems/restorable/snapshots/77/restore", null, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var metadata = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(3, metadata.GetProperty("sequence").GetInt64());
        Assert.Equal("1", metadata.GetProperty("attributes").GetProperty("restored_from").GetString());
        Assert.Equal("""{"v":1}""", await client.GetStringAsync("api/systems/restorable/snapshots/latest", Ct));
        await ProblemAsync(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_ExistingAndMissing_Returns204Then404()
    {
        await SaveAsync("deletable", """{"v":1}""");
        await SaveAsync("deletable", """{"v":2}""");
        using var client = _sut.Client(_sut.AdminKey);

        using var deleted = await client.DeleteAsync("api/systems/deletable/snapshots/1", Ct);
        using var again = await client.DeleteAsync("api/systems/deletable/snapshots/1", Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await ProblemAsync(again, HttpStatusCode.NotFound);
        var listing = await client.GetFromJsonAsync<JsonElement>("api/systems/deletable/snapshots", Ct);
        Assert.Equal([2L], listing.EnumerateArray().Select(s => s.GetProperty("sequence").GetInt64()));
    }

    [Fact]
    public async Task Diff_ReturnsChangedPathsAndRejectsMissingParameters()
    {
        await SaveAsync("diffed", """{"a":1,"b":{"c":"x"}}""");
        await SaveAsync("diffed", """{"a":2,"b":{"c":"x","d":true}}""");
        using var client = _sut.Client(_sut.ReaderKey);

        var diff = await client.GetFromJsonAsync<JsonElement>("api/systems/diffed/diff?from=1&to=2", Ct);
        using var missingParameter = await client.GetAsync("api/systems/diffed/diff?from=1", Ct);
        using var missingSnapshot = await client.GetAsync("api/systems/diffed/diff?from=1&to=9", Ct);

        var changes = diff.GetProperty("changes").EnumerateArray().ToDictionary(c => c.GetProperty("path").GetString()!, c => c.GetProperty("kind").GetString());
        Assert.Equal("changed", changes["$.a"]);
        Assert.Equal("added", changes["$.b.d"]);
        Assert.Equal(2, changes.Count);
        await ProblemAsync(missingParameter, HttpStatusCode.BadRequest);
        await ProblemAsync(missingSnapshot, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Verify_WithADamagedSnapshot_ListsIt()
    {
        await SaveAsync("verified", """{"v":1}""");
        await SaveAsync("verified", """{"v":2}""");
        var file = Directory.GetFiles(Path.Combine(_sut.StoreRoot, "verified"), "*0000000002.svsnap").Single();
        var bytes = await File.ReadAllBytesAsync(file, Ct);
        bytes[^2] ^= 0x01;
        await File.WriteAllBytesAsync(file, bytes, Ct);
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PostAsync("api/verify?system=verified", null, Ct);

        var report = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.False(report.GetProperty("healthy").GetBoolean());
        Assert.Equal(2, report.GetProperty("checked").GetInt32());
        var damaged = Assert.Single(report.GetProperty("damaged").EnumerateArray());
        Assert.Equal(2, damaged.GetProperty("sequence").GetInt64());
        Assert.Contains("checksum", damaged.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_DryRunPlansAndRealRunRemoves()
    {
        for (var i = 0; i < 4; i++)
        {
            await SaveAsync("pruned", $$"""{"v":{{i}}}""");
        }

        using var client = _sut.Client(_sut.AdminKey);

        using var dry = await client.PostAsync("api/prune?system=pruned&keepLast=2&dryRun=true", null, Ct);
        var countAfterDry = (await client.GetFromJsonAsync<JsonElement>("api/systems/pruned/snapshots", Ct)).GetArrayLength();
        using var real = await client.PostAsync("api/prune?system=pruned&keepLast=2", null, Ct);

        var plan = await dry.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(plan.GetProperty("dryRun").GetBoolean());
        Assert.Equal(2, plan.GetProperty("removedCount").GetInt32());
        Assert.Equal(4, countAfterDry);
        Assert.Equal(2, (await real.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("removedCount").GetInt32());
        var remaining = await client.GetFromJsonAsync<JsonElement>("api/systems/pruned/snapshots", Ct);
        Assert.Equal([4L, 3L], remaining.EnumerateArray().Select(s => s.GetProperty("sequence").GetInt64()));
    }

    [Theory]
    [InlineData("7d")]
    [InlineData("7.00:00:00")]
    public async Task Prune_KeepWithinInEitherSyntax_IsAccepted(string within)
    {
        await SaveAsync("within", """{"v":1}""");
        using var client = _sut.Client(_sut.AdminKey);

        using var response = await client.PostAsync($"api/prune?system=within&keepWithin={Uri.EscapeDataString(within)}&dryRun=true", null, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("removedCount").GetInt32());
    }

    [Theory]
    [InlineData("7x")]
    [InlineData("0d")]
    [InlineData("-1.00:00:00")]
    public async Task Prune_InvalidKeepWithin_Returns400ProblemNamingTheSyntax(string within)
    {
        using var client = _sut.Client(_sut.AdminKey);

        using var response = await client.PostAsync($"api/prune?keepWithin={Uri.EscapeDataString(within)}", null, Ct);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("7d", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("..%2Fescape")]
    [InlineData("..%2F..%2Fetc")]
    [InlineData("%2E%2E%2Fescape")]
    [InlineData("a%2Fb")]
    [InlineData("UPPER")]
    [InlineData("a..b")]
    [InlineData("-leading")]
    [InlineData("con")]
    [InlineData("com1.txt")]
    [InlineData("health.")]
    public async Task AnyRoute_BadSystemName_Returns400ProblemAndWritesNothing(string encodedName)
    {
        using var client = _sut.Client(_sut.AdminKey);

        using var save = await client.PostAsync($"api/systems/{encodedName}/snapshots", Json("""{"v":1}"""), Ct);
        using var list = await client.GetAsync($"api/systems/{encodedName}/snapshots", Ct);
        using var restore = await client.PostAsync($"api/systems/{encodedName}/snapshots/1/restore", null, Ct);
        using var put = await client.PutAsync($"api/systems/{encodedName}/envelopes/1?append=true", new ByteArrayContent([1, 2, 3]), Ct);

        var problem = await ProblemAsync(save, HttpStatusCode.BadRequest);
        Assert.Contains("Invalid system name", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ProblemAsync(list, HttpStatusCode.BadRequest);
        await ProblemAsync(restore, HttpStatusCode.BadRequest);
        await ProblemAsync(put, HttpStatusCode.BadRequest);
        Assert.Empty(_sut.StoredFiles());
        Assert.Empty(Directory.Exists(Path.GetDirectoryName(_sut.StoreRoot)!) ? Directory.GetDirectories(Path.GetDirectoryName(_sut.StoreRoot)!, "escape") : []);
    }

    [Fact]
    public async Task Save_NulInSystemName_IsRefusedWith400AndWritesNothing()
    {
        using var client = _sut.Client(_sut.WriterKey);

        // Kestrel refuses a %00 in the path itself, before any middleware (so there is no problem body to check).
        using var response = await client.PostAsync("api/systems/%00null/snapshots", Json("""{"v":1}"""), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_sut.StoredFiles());
    }

    [Fact]
    public async Task Save_OversizedBody_Returns413AndWritesNothing()
    {
        using var client = _sut.Client(_sut.WriterKey);
        var big = "{\"data\":\"" + new string('x', 70_000) + "\"}";

        using var response = await client.PostAsync("api/systems/big/snapshots", Json(big), Ct);

        await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(_sut.StoredFiles());
    }

    [Fact]
    public async Task Save_OversizedChunkedBody_Returns413AndWritesNothing()
    {
        using var client = _sut.Client(_sut.WriterKey);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"data\":\"" + new string('y', 70_000) + "\"}")));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/systems/big/snapshots") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request, Ct);

        await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(_sut.StoredFiles());
    }

    [Theory]
    [InlineData("""{"password_hint": "hunter2-value", """)]
    [InlineData("""{"a":1}{"b":2}""")]
    [InlineData("not json at all: hunter2-value")]
    [InlineData("")]
    public async Task Save_MalformedJson_Returns400ProblemWithoutTheBodyAndWritesNothing(string body)
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PostAsync("api/systems/malformed/snapshots", Json(body), Ct);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.DoesNotContain("hunter2", problem.ToString(), StringComparison.Ordinal);
        Assert.Empty(_sut.StoredFiles());
    }

    [Fact]
    public async Task Save_StateWithASecret_Returns422NamingThePathOnlyAndWritesNothing()
    {
        using var client = _sut.Client(_sut.WriterKey);
        const string Secret = "AKIAIOSFODNN7EXAMPLQ";

        using var response = await client.PostAsync("api/systems/secretive/snapshots", Json($$$"""{"cloud":{"access_key":"{{{Secret}}}"}}"""), Ct);

        var problem = await ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("$.cloud.access_key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, problem.ToString(), StringComparison.Ordinal);
        Assert.Empty(_sut.StoredFiles());
        Assert.DoesNotContain(_sut.Logs.Lines, l => l.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownApiRoute_Returns404Problem()
    {
        using var client = _sut.Client(_sut.ReaderKey);

        using var response = await client.GetAsync("api/nothing/here", Ct);

        await ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Health_OpenApiAndDashboard_AreServedWithoutAKey()
    {
        using var client = _sut.Client();

        var health = await client.GetFromJsonAsync<JsonElement>("health", Ct);
        var openApi = await client.GetFromJsonAsync<JsonElement>("openapi/v1.json", Ct);
        using var page = await client.GetAsync("", Ct);
        using var chart = await client.GetAsync("lib/chart.umd.min.js", Ct);

        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/systems/{system}/snapshots", paths);
        Assert.Contains("/api/systems/{system}/snapshots/{seq}/restore", paths);
        Assert.Contains("/api/systems/{system}/envelopes/{seq}", paths);
        Assert.Contains("/api/managers/{name}/state", paths);
        Assert.True(openApi.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("StateVault", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, chart.StatusCode);
        Assert.Contains("Chart", await chart.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AfterASave_ExposeStateVaultAndAspNetCoreInstruments()
    {
        await SaveAsync("measured", """{"v":1}""");
        using var client = _sut.Client(_sut.ReaderKey);

        // The exporter caches a scrape briefly; poll until the save shows.
        string text = "";
        await Eventually.TrueAsync(async () => (text = await client.GetStringAsync("metrics", Ct)).Contains("system=\"measured\"", StringComparison.Ordinal), "the save in /metrics");

        Assert.Contains("statevault_saves_total", text, StringComparison.Ordinal);
        Assert.Contains("statevault_save_duration_seconds", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_SameStore_ServesTheSameData()
    {
        var root = Path.Combine(Path.GetTempPath(), "sv-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            var first = await ServerHost.StartAsync(storeRoot: root, cancellationToken: Ct);
            string key = first.WriterKey;
            using (var client = first.Client(key))
            {
                (await client.PostAsync("api/systems/durable/snapshots", Json("""{"v":1}"""), Ct)).EnsureSuccessStatusCode();
                (await client.PostAsync("api/systems/durable/snapshots", Json("""{"v":"two"}"""), Ct)).EnsureSuccessStatusCode();
            }

            await first.StopAsync();

            await using var second = await ServerHost.StartAsync(storeRoot: root, createKeys: false, cancellationToken: Ct);
            using var again = second.Client(key);
            using var latest = await again.GetAsync("api/systems/durable/snapshots/latest", Ct);
            var listing = await again.GetFromJsonAsync<JsonElement>("api/systems/durable/snapshots", Ct);
            using var next = await again.PostAsync("api/systems/durable/snapshots", Json("""{"v":3}"""), Ct);

            Assert.Equal("""{"v":"two"}""", await latest.Content.ReadAsStringAsync(Ct));
            Assert.Equal("\"2\"", latest.Headers.ETag?.Tag);
            Assert.Equal(2, listing.GetArrayLength());
            Assert.Equal("\"3\"", next.Headers.ETag?.Tag);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
