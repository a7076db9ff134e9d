using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StateVault.Hosting;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using Xunit;

namespace StateVault.Managers.Tests;

/// <summary>The managers in an ordinary host: configuration from the <c>StateVault</c> section, the system clock, real autosave.</summary>
public sealed class EndToEndTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Host_ConfiguredFromSection_AutosavesOnTheSystemClockAndRestoresOnRestart()
    {
        using (var host = Build())
        {
            await host.StartAsync(Ct);
            host.Services.GetRequiredService<HealthThresholdsManager>().SetThreshold("cpu_usage", 65, 75);
            host.Services.GetRequiredService<GamingAlertsManager>().CheckPerformance("arena", new Dictionary<string, double> { ["frame_rate"] = 2 });
            var persistence = host.Services.GetRequiredService<IStatePersistence>();

            // Autosave on the real clock (debounce 50 ms from configuration): no save call, no stop.
            await Eventually.TrueAsync(() => persistence.GetStatuses().Count > 0 && persistence.GetStatuses().All(s => !s.Dirty), "autosave of every dirty system");
            Assert.NotNull(persistence.GetStatus(GamingAlertsManager.ManagerName).LastSavedSequence);
            await host.StopAsync(Ct);
        }

        using var restarted = Build();
        await restarted.StartAsync(Ct);
        Assert.Equal(65, restarted.Services.GetRequiredService<HealthThresholdsManager>().GetThreshold("cpu_usage")!.Warning);
        Assert.Equal(AlertSeverity.Critical, restarted.Services.GetRequiredService<GamingAlertsManager>().GetActiveAlerts().Single().Severity);
        Assert.All(restarted.Services.GetRequiredService<IManagerRegistry>().Managers, m => Assert.Equal("online", m.Status));
        await restarted.StopAsync(Ct);
    }

    private IHost Build()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["StateVault:Store"] = "file:" + _dir.Store,
            ["StateVault:AutosaveDebounce"] = "00:00:00.050",
            ["StateVault:AutosaveMaxInterval"] = "00:00:01",
            ["StateVault:Managers:Dependencies:CheckOnHeartbeat"] = "false",
            ["StateVault:Managers:HistoryLimit"] = "50",
        });
        builder.Services.AddStateVault(builder.Configuration).AddStateVaultManagers(builder.Configuration);
        return builder.Build();
    }
}
