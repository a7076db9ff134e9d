using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StateVault.Hosting;
using StateVault.Managers.Dependencies;
using Xunit;

namespace StateVault.Managers.Tests.Dependencies;

public sealed class DependenciesManagerTests : ManagerTestBase
{
    private DependenciesManager Sut => Host.Manager<DependenciesManager>();

    internal override void Configure(ManagerOptions options)
    {
        options.HistoryLimit = 10;
        options.Dependencies.ConnectTimeout = TimeSpan.FromSeconds(2);
    }

    [Fact]
    public void Start_DeclaresAssembliesAndTheStore()
    {
        var names = Sut.State.Dependencies.Keys;

        Assert.Contains("assembly:StateVault", names);
        Assert.Contains("store", names);
        Assert.DoesNotContain("store_endpoint", names); // the file store has no network endpoint
        Assert.True(Sut.State.Dependencies["store"].Critical);
    }

    [Fact]
    public async Task CheckAllAsync_Defaults_AllAvailable()
    {
        var results = await Sut.CheckAllAsync(cancellationToken: Ct);

        Assert.All(results, r => Assert.Equal(DependencyStatus.Available, r.Status));
        Assert.Empty(Sut.State.FailedDependencies);
    }

    [Fact]
    public async Task CheckAsync_ClosedPort_FailsAfterRetriesAndIsPersistedAsFailed()
    {
        var port = FreePort();
        Sut.Declare("db", DependencyKind.Tcp, $"127.0.0.1:{port}");

        var record = await Sut.CheckAsync("db", cancellationToken: Ct);

        Assert.Equal(DependencyStatus.Unavailable, record.Status);
        Assert.Equal(3, Sut.State.CheckHistory[^1].Attempts);
        Assert.Contains("db", Sut.State.FailedDependencies.Keys);
    }

    [Fact]
    public async Task CheckAsync_WithinCacheTtl_CountsARealCacheHit()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Sut.Declare("svc", DependencyKind.Tcp, $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");

        await Sut.CheckAsync("svc", cancellationToken: Ct);
        await Sut.CheckAsync("svc", cancellationToken: Ct);
        Time.Advance(TimeSpan.FromSeconds(31));
        await Sut.CheckAsync("svc", cancellationToken: Ct);

        Assert.Equal((1, 2), Sut.CacheCounters);
        Assert.Equal(2, Sut.State.Dependencies["svc"].Checks);
    }

    [Fact]
    public async Task CheckAsync_CriticalFails_ManagerHealthDegradedAndBackAfterSuccess()
    {
        Sut.Declare("assembly:Missing.Assembly", DependencyKind.Assembly, "Missing.Assembly", critical: true);
        await Sut.CheckAsync("assembly:Missing.Assembly", cancellationToken: Ct);
        var health = Host.Host.Services.GetRequiredService<HealthCheckService>();

        var report = await health.CheckHealthAsync(Ct);

        Assert.Equal(HealthStatus.Degraded, report.Entries[StateVaultHealthChecks.ManagerPrefix + DependenciesManager.ManagerName].Status);
        Assert.Equal(["assembly:Missing.Assembly"], Sut.CriticalFailures);

        Sut.Declare("assembly:Missing.Assembly", DependencyKind.Assembly, "System.Text.Json", critical: true);
        await Sut.CheckAsync("assembly:Missing.Assembly", cancellationToken: Ct);
        report = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Healthy, report.Entries[StateVaultHealthChecks.ManagerPrefix + DependenciesManager.ManagerName].Status);
        Assert.Empty(Sut.State.FailedDependencies);
    }

    [Fact]
    public async Task CheckHistory_LimitAndAge_Trimmed()
    {
        for (var i = 0; i < 15; i++)
        {
            await Sut.CheckAsync("assembly:StateVault", force: true, cancellationToken: Ct);
        }

        Assert.Equal(10, Sut.State.CheckHistory.Count);
        Time.Advance(TimeSpan.FromDays(8));
        await Sut.CheckAsync("assembly:StateVault", force: true, cancellationToken: Ct);
        Assert.Single(Sut.State.CheckHistory);
    }

    [Theory]
    [InlineData("postgresql://user:pw@db.internal:6543/app", "db.internal:6543")]
    [InlineData("postgres://db.internal/app", "db.internal:5432")]
    [InlineData("s3://bucket/prefix?endpoint=http://127.0.0.1:4569&region=us-east-1", "127.0.0.1:4569")]
    [InlineData("http://127.0.0.1:5080", "127.0.0.1:5080")]
    [InlineData("file:./data/persistent", null)]
    [InlineData("sqlite:./data/statevault.db", null)]
    public void StoreEndpoint_StoreUri_NetworkEndpointOnly(string uri, string? expected) =>
        Assert.Equal(expected, DependenciesManager.StoreEndpoint(uri));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
