using System.Net;
using System.Text.RegularExpressions;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary><c>/metrics</c> needs a reader key unless configured open, and any number of systems gives a bounded number of series.</summary>
public sealed partial class MetricsEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_ByDefault_NeedsAReaderKey()
    {
        await using var sut = await ServerHost.StartAsync(cancellationToken: Ct);
        using var anonymous = sut.Client();
        using var wrong = sut.Client("svk_000000000000_wrong");
        using var reader = sut.Client(sut.ReaderKey);

        using var anonymousResponse = await anonymous.GetAsync("metrics", Ct);
        using var wrongResponse = await wrong.GetAsync("metrics", Ct);
        using var readerResponse = await reader.GetAsync("metrics", Ct);

        await SnapshotApiTests.ProblemAsync(anonymousResponse, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readerResponse.StatusCode);
        Assert.Contains("statevault_", await readerResponse.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AllowAnonymous_IsOpenToAScraper()
    {
        await using var sut = await ServerHost.StartAsync(settings: new Dictionary<string, string> { ["StateVault:Server:Metrics:AllowAnonymous"] = "true" }, cancellationToken: Ct);
        using var anonymous = sut.Client();

        using var response = await anonymous.GetAsync("metrics", Ct);
        using var api = await anonymous.GetAsync("api/systems", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Metrics_ManySystemsCreatedByAWriter_KeepTheSystemLabelBounded()
    {
        const int Limit = 15;
        await using var sut = await ServerHost.StartAsync(settings: new Dictionary<string, string> { ["StateVault:MetricsSystemLabelLimit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken: Ct);
        using var writer = sut.Client(sut.WriterKey);
        using var reader = sut.Client(sut.ReaderKey);

        for (var i = 0; i < 40; i++)
        {
            using var saved = await writer.PostAsync($"api/systems/flood_{i:D3}/snapshots", SnapshotApiTests.Json("""{"v":1}"""), Ct);
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
            (await reader.GetAsync($"api/systems/flood_{i:D3}/snapshots/latest", Ct)).Dispose();
        }

        var text = await reader.GetStringAsync("metrics", Ct);
        // Servers of other tests run in this process and feed the same exporter: count this server's systems only.
        var own = sut.Managers.Managers.SelectMany(m => m.Systems).ToHashSet(StringComparer.Ordinal);
        var systems = SystemLabel().Matches(text).Select(m => m.Groups[1].Value)
            .Where(s => s.StartsWith("flood_", StringComparison.Ordinal) || s == "_other" || own.Contains(s))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("_other", systems);
        Assert.True(systems.Count <= Limit + 1, $"{systems.Count} system label values: {string.Join(", ", systems)}");
        Assert.Contains("flood_", text, StringComparison.Ordinal); // the first ones still have their own series
        Assert.DoesNotContain("flood_039", text, StringComparison.Ordinal);
    }

    [GeneratedRegex("system=\"([^\"]*)\"")]
    private static partial Regex SystemLabel();
}
