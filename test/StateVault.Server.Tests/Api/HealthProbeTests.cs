using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StateVault.Server.Tests.Support;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (restored, store reachable, nothing pending too long):
/// an orchestrator takes an instance out on 503. Anonymous answers carry the status only.
/// </summary>
public sealed class HealthProbeTests
{
    private static readonly string[] s_probes = ["health", "health/live", "health/ready"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Probes_HealthyServer_Are200()
    {
        await using var sut = await ServerHost.StartAsync(cancellationToken: Ct);
        using var anonymous = sut.Client();

        foreach (var probe in s_probes)
        {
            using var response = await anonymous.GetAsync(probe, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Healthy", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Ready_StoreUnreachable_Is503WhileLiveIs200AndAnonymousBodiesCarryTheStatusOnly()
    {
        FailingSystemsStore? store = null;
        await using var sut = await ServerHost.StartAsync(cancellationToken: Ct, decorateStore: inner => store = new FailingSystemsStore(inner));
        store!.FailFor = _ => true;
        using var anonymous = sut.Client();
        using var reader = sut.Client(sut.ReaderKey);

        using var ready = await anonymous.GetAsync("health/ready", Ct);
        using var live = await anonymous.GetAsync("health/live", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        foreach (var probe in s_probes)
        {
            using var response = await anonymous.GetAsync(probe, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            var json = JsonDocument.Parse(body).RootElement;
            Assert.Equal(["status"], json.EnumerateObject().Select(p => p.Name));
            Assert.DoesNotContain(sut.StoreRoot, body, StringComparison.Ordinal);
            Assert.DoesNotContain("simulated outage", body, StringComparison.Ordinal);
        }

        using var detailed = await reader.GetAsync("health/ready", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, detailed.StatusCode);
        var details = await detailed.Content.ReadAsStringAsync(Ct);
        Assert.Contains("simulated outage", details, StringComparison.Ordinal);
        Assert.Contains("\"checks\"", details, StringComparison.Ordinal);

        store.FailFor = _ => false;
        using var recovered = await anonymous.GetAsync("health/ready", Ct);
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
    }

    [Fact]
    public async Task Ready_ManagerChangePendingPastTheThreshold_Is503AndUnderItIs200()
    {
        FailingSystemsStore? store = null;
        await using var sut = await ServerHost.StartAsync(
            cancellationToken: Ct,
            settings: new Dictionary<string, string> { ["StateVault:Server:Readiness:MaxPendingAge"] = "00:00:00", ["StateVault:DurableAckTimeout"] = "00:00:01" },
            decorateStore: inner => store = new FailingSystemsStore(inner));
        using var writer = sut.Client(sut.WriterKey);
        using var anonymous = sut.Client();
        using var before = await anonymous.GetAsync("health/ready", Ct);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        store!.FailFor = system => system == "core_management";

        using var change = await writer.PutAsJsonAsync("api/managers/core_management/config/region", new { value = "eu-west-1" }, Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, change.StatusCode);

        using var ready = await anonymous.GetAsync("health/ready", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using var detailed = await writer.GetAsync("health/ready", Ct);
        Assert.Contains("core_management", await detailed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        store.FailFor = _ => false;
        await Eventually.TrueAsync(
            async () =>
            {
                using var again = await anonymous.GetAsync("health/ready", Ct);
                return again.StatusCode == HttpStatusCode.OK;
            },
            "ready again once the background retry stored the pending change");
    }

    [Fact]
    public async Task Ready_ChangePendingUnderTheDefaultThreshold_Is200()
    {
        FailingSystemsStore? store = null;
        await using var sut = await ServerHost.StartAsync(
            cancellationToken: Ct,
            settings: new Dictionary<string, string> { ["StateVault:DurableAckTimeout"] = "00:00:01" },
            decorateStore: inner => store = new FailingSystemsStore(inner));
        using var writer = sut.Client(sut.WriterKey);
        store!.FailFor = system => system == "core_management";

        using var change = await writer.PutAsJsonAsync("api/managers/core_management/config/region", new { value = "eu-west-1" }, Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, change.StatusCode);

        using var ready = await sut.Client().GetAsync("health/ready", Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
