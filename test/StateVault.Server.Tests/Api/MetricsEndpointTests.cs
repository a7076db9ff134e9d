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

/// <summary>What <c>/metrics</c> holds: buckets that fit the values, counters at 0 from the start, runtime and process metrics, the service name.</summary>
public sealed partial class MetricsContentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Histograms_SavedSnapshots_HaveBucketsFromMillisecondsAndKibibytes()
    {
        await using var sut = await ServerHost.StartAsync(cancellationToken: Ct);
        using var writer = sut.Client(sut.WriterKey);
        var system = "buckets_" + Guid.NewGuid().ToString("N")[..8];
        using var saved = await writer.PostAsync($"api/systems/{system}/snapshots", SnapshotApiTests.Json("""{"v":1}"""), Ct);
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        (await writer.GetAsync($"api/systems/{system}/snapshots/latest", Ct)).Dispose();

        var text = await sut.Client(sut.ReaderKey).GetStringAsync("metrics", Ct);

        var durationBounds = Bounds(text, "statevault_save_duration_seconds_bucket", system);
        Assert.Contains(0.0005, durationBounds);
        Assert.Contains(10d, durationBounds);
        Assert.DoesNotContain(5000d, durationBounds); // OpenTelemetry's default buckets are meant for milliseconds
        var sizeBounds = Bounds(text, "statevault_save_bytes_bucket", system);
        Assert.Contains(1024d, sizeBounds);
        Assert.Contains(268435456d, sizeBounds);
        Assert.True(Bounds(text, "statevault_load_duration_seconds_bucket", system).Contains(0.0005), "load duration buckets start at 0.5 ms");
    }

    [Fact]
    public async Task Counters_SystemSeenWithoutAnyEvent_ArePresentAtZero()
    {
        await using var sut = await ServerHost.StartAsync(cancellationToken: Ct);
        using var writer = sut.Client(sut.WriterKey);
        var system = "zeros_" + Guid.NewGuid().ToString("N")[..8];
        using var saved = await writer.PostAsync($"api/systems/{system}/snapshots", SnapshotApiTests.Json("""{"v":1}"""), Ct);
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);

        var text = await sut.Client(sut.ReaderKey).GetStringAsync("metrics", Ct);

        foreach (var counter in new[] { "statevault_load_fallbacks_total", "statevault_snapshots_corrupt_total", "statevault_snapshots_pruned_total" })
        {
            Assert.True(Regex.IsMatch(text, $"(?m)^{counter}\\{{[^}}]*system=\"{system}\"[^}}]*\\}} 0( |$)"), $"{counter} for {system} at 0 in:\n{text}");
        }

        foreach (var result in new[] { "failure", "conflict", "rejected" })
        {
            Assert.True(Regex.IsMatch(text, $"(?m)^statevault_saves_total\\{{(?=[^}}]*system=\"{system}\")(?=[^}}]*result=\"{result}\")[^}}]*\\}} 0( |$)"), $"saves result={result} for {system} at 0");
        }
    }

    [Fact]
    public async Task Metrics_Always_HoldRuntimeAndProcessMetricsAndTheServiceName()
    {
        await using var sut = await ServerHost.StartAsync(cancellationToken: Ct);

        var text = await sut.Client(sut.ReaderKey).GetStringAsync("metrics", Ct);

        Assert.Matches("(?m)^dotnet_gc_", text);
        Assert.Matches("(?m)^process_cpu_", text);
        Assert.Matches("(?m)^target_info\\{[^}]*service_name=\"statevault\"", text);
        Assert.DoesNotContain("unknown_service", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_OtelServiceNameSet_NamesTheService()
    {
        await using var sut = await ServerHost.StartAsync(settings: new Dictionary<string, string> { ["OTEL_SERVICE_NAME"] = "statevault-eu1" }, cancellationToken: Ct);

        var text = await sut.Client(sut.ReaderKey).GetStringAsync("metrics", Ct);

        Assert.Matches("(?m)^target_info\\{[^}]*service_name=\"statevault-eu1\"", text);
    }

    private static HashSet<double> Bounds(string text, string bucket, string system) =>
        Regex.Matches(text, $"(?m)^{bucket}\\{{[^}}]*system=\"{system}\"[^}}]*le=\"([^\"]+)\"")
            .Select(m => m.Groups[1].Value)
            .Where(v => v != "+Inf")
            .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture))
            .ToHashSet();
}
