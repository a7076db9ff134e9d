using Microsoft.Extensions.Time.Testing;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Legacy;
using Xunit;

namespace StateVault.Managers.Tests.Legacy;

public sealed class LegacyImporterRetentionTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ImportAsync_RetentionRemovedOlderImports_SecondRunStillImportsNothing()
    {
        var legacy = Path.Combine(_dir.Path, "legacy");
        Directory.CreateDirectory(Path.Combine(legacy, "health_thresholds"));
        for (var minute = 0; minute < 4; minute++)
        {
            var json = "{\"timestamp\": \"2024-01-20T10:0" + minute + ":00\", \"thresholds\": {\"cpu_usage\": {\"warning\": " + (60 + minute) + ", \"critical\": 99}}}";
            await File.WriteAllTextAsync(Path.Combine(legacy, "health_thresholds", $"health_thresholds_data_20240120_100{minute}00.json"), json, Ct);
        }

        await using var host = ManagerHost.Create(_dir.Store, _time, hosting: o => o.Retention.KeepLast = 2);
        var first = await LegacyImporter.ImportAsync(host.Vault, legacy, Ct);
        Assert.Equal(4, first.Imported);
        Assert.Equal(2, (await host.Vault.ListAsync("health_thresholds", Ct)).Count);

        var second = await LegacyImporter.ImportAsync(host.Vault, legacy, Ct);

        Assert.Equal(0, second.Imported);
        Assert.Equal(4, second.AlreadyImported);
        var latest = await host.Vault.LoadLatestAsync<HealthThresholdsState>("health_thresholds", Ct);
        Assert.Equal(63, latest!.State.Thresholds["cpu_usage"].Warning);
    }
}
