using System.Net;
using System.Text;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>A client's mistake is a 4xx with a problem body, whatever it asks for and whatever it sends; never a 5xx.</summary>
public sealed class ClientMistakeTests(ClientMistakeTests.Server server) : IClassFixture<ClientMistakeTests.Server>
{
    private readonly ServerHost _sut = server.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] s_acceptValues =
    [
        "text/event-stream",
        "text/html",
        "application/xml",
        "text/xml",
        "text/plain",
        "image/png",
        "text/html, application/xhtml+xml;q=0.9",
        "application/json",
        "*/*",
    ];

    /// <summary>The limit equals the number of Accept values: each is tried once below it (401) and then over it (429).</summary>
    public sealed class Server : SharedServer
    {
        protected override IDictionary<string, string> Settings => new Dictionary<string, string>
        {
            ["StateVault:Server:FailedAuthenticationLimit"] = s_acceptValues.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private static HttpRequestMessage Get(string path, string accept, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        }

        return request;
    }

    // The server is shared by the class: only what this test logged counts.
    private readonly int _logMark = server.Host.Logs.Lines.Count;

    private void AssertNoErrorLogged() =>
        Assert.DoesNotContain(_sut.Logs.Lines.Skip(_logMark), l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));

    [Fact]
    public async Task Refusals_AnyAcceptHeader_Are401403And429WithAProblemBodyNever500()
    {
        using var client = _sut.Client();

        foreach (var accept in s_acceptValues)
        {
            using var unauthorized = await client.SendAsync(Get("api/systems", accept), Ct);
            using var events = await client.SendAsync(Get("api/events", accept), HttpCompletionOption.ResponseHeadersRead, Ct);
            using var forbidden = await client.SendAsync(Get("api/keys", accept, _sut.ReaderKey), Ct);
            using var wrong = await client.SendAsync(Get("api/systems", accept, "svk_000000000000_wrong"), Ct);
            await SnapshotApiTests.ProblemAsync(unauthorized, HttpStatusCode.Unauthorized);
            await SnapshotApiTests.ProblemAsync(events, HttpStatusCode.Unauthorized);
            await SnapshotApiTests.ProblemAsync(forbidden, HttpStatusCode.Forbidden);
            await SnapshotApiTests.ProblemAsync(wrong, HttpStatusCode.Unauthorized);
        }

        foreach (var accept in s_acceptValues)
        {
            using var throttled = await client.SendAsync(Get("api/systems", accept, "svk_000000000000_wrong"), Ct);
            using var metrics = await client.SendAsync(Get("metrics", accept, "svk_000000000000_wrong"), Ct);
            using var valid = await client.SendAsync(Get("api/systems", accept, _sut.ReaderKey), Ct);
            await SnapshotApiTests.ProblemAsync(throttled, HttpStatusCode.TooManyRequests);
            await SnapshotApiTests.ProblemAsync(metrics, HttpStatusCode.TooManyRequests);
            Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        }

        AssertNoErrorLogged();
    }

    [Fact]
    public async Task NotFoundAndBadRequest_AnyAcceptHeader_AreProblemsNever500()
    {
        using var client = _sut.Client();

        foreach (var accept in s_acceptValues)
        {
            using var missing = await client.SendAsync(Get("api/systems/nothing_here/snapshots/latest", accept, _sut.ReaderKey), Ct);
            using var badName = await client.SendAsync(Get("api/systems/Bad..Name/snapshots", accept, _sut.ReaderKey), Ct);
            using var noRoute = await client.SendAsync(Get("api/no/such/route", accept, _sut.ReaderKey), Ct);
            await SnapshotApiTests.ProblemAsync(missing, HttpStatusCode.NotFound);
            await SnapshotApiTests.ProblemAsync(badName, HttpStatusCode.BadRequest);
            Assert.Equal(HttpStatusCode.NotFound, noRoute.StatusCode);
        }

        AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("1e300")]
    [InlineData("-1e300")]
    [InlineData("1e20")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("-1")]
    [InlineData("-0.5")]
    public async Task StaleAlerts_OutOfRangeStaleAfterSeconds_Is400(string value)
    {
        using var client = _sut.Client(_sut.ReaderKey);

        using var response = await client.GetAsync($"api/managers/gaming_alerts/alerts/stale?staleAfterSeconds={Uri.EscapeDataString(value)}", Ct);

        var problem = await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("staleAfterSeconds", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("30")]
    [InlineData("86400.5")]
    public async Task StaleAlerts_InRangeStaleAfterSeconds_Is200(string value)
    {
        using var client = _sut.Client(_sut.ReaderKey);

        using var response = await client.GetAsync($"api/managers/gaming_alerts/alerts/stale?staleAfterSeconds={value}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Every route that takes a JSON body, with a body whose strings hold an unpaired surrogate escape.</summary>
    public static TheoryData<string, string, string> JsonBodyRoutes => new()
    {
        { "POST", "api/systems/free_sys/snapshots", """{"v":"\ud800"}""" },
        { "POST", "api/systems/free_sys/snapshots", """{"\udc00":1}""" },
        { "POST", "api/systems/free_sys/snapshots", """["ok","\ud800\u0041"]""" },
        { "POST", "api/systems/free_sys/envelopes/1/quarantine", """{"reason":"\ud800"}""" },
        { "POST", "api/keys", """{"role":"reader","description":"\ud800"}""" },
        { "POST", "api/managers/dependencies", """{"name":"\ud800","kind":"assembly","target":"x"}""" },
        { "POST", "api/managers/ai_ml_core/models", """{"name":"\ud800","provider":"p","modelId":"m"}""" },
        { "POST", "api/managers/ai_ml_core/models", """{"name":"m","provider":"p","modelId":"m","parameters":{"\ud800":"x"}}""" },
        { "POST", "api/managers/ai_ml_core/models", """{"name":"m2","provider":"p","modelId":"m","parameters":{"t":"\ud800"}}""" },
        { "POST", "api/managers/ai_ml_core/models", """{"name":"m3","provider":"p","modelId":"m","parameters":{"t":[{"u":"\udc00"}]}}""" },
        { "PUT", "api/managers/ai_ml_core/models/x/status", """{"status":"\ud800"}""" },
        { "POST", "api/managers/gaming_alerts/samples", """{"gameSystem":"\ud800","metrics":{"fps":1}}""" },
        { "POST", "api/managers/gaming_alerts/samples", """{"gameSystem":"g","metrics":{"\ud800":1}}""" },
        { "POST", "api/managers/gaming_alerts/alerts/x/acknowledge", """{"by":"\ud800"}""" },
        { "PUT", "api/managers/gaming_alerts/thresholds/fps", """{"comparison":"above","medium":1,"high":2,"critical":3,"unit":"\ud800"}""" },
        { "POST", "api/managers/swarm_integration/agents", """{"name":"\ud800"}""" },
        { "PUT", "api/managers/swarm_integration/agents/x/status", """{"status":"\ud800"}""" },
        { "POST", "api/managers/swarm_integration/tasks", """{"description":"\ud800"}""" },
        { "POST", "api/managers/swarm_integration/tasks/x/results", """{"agentId":"\ud800","success":true}""" },
        { "POST", "api/managers/swarm_integration/messages", """{"from":"\ud800","to":"b","type":"t","content":"c"}""" },
        { "PUT", "api/managers/health_thresholds/thresholds/cpu", """{"warning":1,"critical":2,"unit":"\ud800"}""" },
        { "POST", "api/managers/health_thresholds/evaluate", """{"metric":"\ud800","value":1}""" },
        { "POST", "api/managers/health_thresholds/samples", """{"metric":"\ud800","value":1}""" },
        { "POST", "api/managers/ai_ml_workflows/workflows", """{"name":"\ud800","steps":[]}""" },
        { "POST", "api/managers/core_management/components", """{"name":"\ud800","type":"service"}""" },
        { "PUT", "api/managers/core_management/config/k", """{"value":"\ud800"}""" },
    };

    [Theory]
    [MemberData(nameof(JsonBodyRoutes))]
    public async Task JsonBody_UnpairedSurrogate_Is400AndChangesNothing(string method, string path, string body)
    {
        using var client = _sut.Client(_sut.AdminKey);
        var before = _sut.StoredFiles();
        var keys = _sut.Keys.ListAccessKeys().Count;

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") }, Ct);

        await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(before, _sut.StoredFiles());
        Assert.Equal(keys, _sut.Keys.ListAccessKeys().Count);
        AssertNoErrorLogged();
    }

    [Theory]
    [MemberData(nameof(JsonBodyRoutes))]
    public async Task JsonBody_InvalidUtf8_Is400(string method, string path, string body)
    {
        using var client = _sut.Client(_sut.AdminKey);
        var bytes = Encoding.UTF8.GetBytes(body.Replace("\\ud800", "\uFFFF", StringComparison.Ordinal).Replace("\\udc00", "\uFFFF", StringComparison.Ordinal));
        // U+FFFF is EF BF BF in UTF-8; turn it into a lone continuation byte sequence that is not UTF-8.
        for (var i = 0; i + 2 < bytes.Length; i++)
        {
            if (bytes[i] == 0xEF && bytes[i + 1] == 0xBF && bytes[i + 2] == 0xBF)
            {
                bytes[i] = 0xC3;
                bytes[i + 1] = 0x28;
                bytes[i + 2] = 0xFF;
            }
        }

        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = content }, Ct);

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{method} {path}: {(int)response.StatusCode}");
        AssertNoErrorLogged();
    }
}
