using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using StateVault.Hosting;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Swarm;
using StateVault.PostgreSql;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Managers.Tests;

/// <summary>
/// The managers on the REAL PostgreSQL store while that server is stopped and started again: they keep working, health turns
/// Degraded, the pending states are stored after the server is back, and nothing acknowledged is lost.
/// </summary>
/// <remarks>Stops the shared test server: test.sh runs the Outage category alone, after every other test.</remarks>
[Trait("Category", "Outage")]
public sealed class PostgreSqlOutageTests : IAsyncLifetime
{
    private const string PostgresVariable = "STATEVAULT_TEST_POSTGRES";
    private const string PgCtlVariable = "STATEVAULT_TEST_PG_CTL";

    private static readonly TimeSpan s_recoveryTimeout = TimeSpan.FromMinutes(2);

    private readonly string _schema = "mgr_outage_" + Guid.NewGuid().ToString("N")[..12];
    private readonly TempDirectory _dir = new();
    private string? _server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _dir.Dispose();
        if (_server is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(PostgreSqlSnapshotStoreProvider.ParseUri(_server).ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Managers_PostgreSqlStoppedAndRestartedMidRun_KeepWorkingAndLoseNothingAcknowledged()
    {
        // Skip with the reason (a failure in CI) when either is missing.
        var server = Backend.RequireEnvironment(PostgresVariable, "PostgreSQL");
        var pgCtl = Backend.RequireEnvironment(PgCtlVariable, "A PostgreSQL server this test may stop and start");
        _server = server;
        var store = $"{server}{(server.Contains('?', StringComparison.Ordinal) ? '&' : '?')}schema={_schema}&connect_timeout=3&command_timeout=15";

        // Acknowledged before the outage: each system's snapshot, as the store holds it.
        var acknowledged = new Dictionary<string, (long Sequence, byte[] Json)>(StringComparer.Ordinal);
        JsonNode thresholdsAfterRecovery;
        JsonNode alertsAfterRecovery;
        JsonNode swarmAfterRecovery;
        string agentId;
        using (var host = CreateHost(store))
        {
            await host.StartAsync(Ct);
            var persistence = host.Services.GetRequiredService<IStatePersistence>();
            var vault = host.Services.GetRequiredService<SnapshotVault>();
            var health = host.Services.GetRequiredService<HealthCheckService>();
            var thresholds = host.Services.GetRequiredService<HealthThresholdsManager>();
            var alerts = host.Services.GetRequiredService<GamingAlertsManager>();
            var swarm = host.Services.GetRequiredService<SwarmIntegrationManager>();

            thresholds.SetThreshold("cpu_usage", 60, 70);
            alerts.CheckPerformance("arena", new Dictionary<string, double> { ["frame_rate"] = 3 });
            agentId = swarm.RegisterAgent("planner", ["plan"]).Id;
            foreach (var manager in new IManagedComponent[] { thresholds, alerts, swarm })
            {
                await manager.SaveNowAsync(Ct);
                var sequence = persistence.GetStatus(manager.Name).LastSavedSequence!.Value;
                var snapshot = await vault.LoadJsonAsync(manager.Name, sequence, Ct);
                acknowledged[manager.Name] = (sequence, snapshot!.Json.ToArray());
            }

            var alertId = alerts.GetActiveAlerts().Single().Id;
            try
            {
                await PgCtlAsync(pgCtl, "stop");

                // The managers keep working while the store is gone.
                thresholds.SetThreshold("memory_usage", 50, 60);
                Assert.Equal(HealthLevel.Critical, thresholds.Evaluate("memory_usage", 75));
                Assert.True(alerts.Acknowledge(alertId, "ops"));
                swarm.SendMessage(agentId, "coordinator", "status", "ready");

                // An acknowledged save cannot succeed now: it fails, and the state stays pending instead of being dropped.
                await Assert.ThrowsAnyAsync<StateVaultException>(() => thresholds.SaveNowAsync(Ct));
                await Eventually.TrueAsync(
                    () => new[] { HealthThresholdsManager.ManagerName, GamingAlertsManager.ManagerName, SwarmIntegrationManager.ManagerName }
                        .All(s => persistence.GetStatus(s).Pending),
                    "the three changed systems pending",
                    timeout: s_recoveryTimeout);

                var during = await health.CheckHealthAsync(Ct);
                Assert.Equal(HealthStatus.Degraded, during.Status);
                Assert.Equal(HealthStatus.Degraded, during.Entries[StateVaultHealthChecks.Store].Status);

                // Still working, and these later changes are what must reach the store.
                Assert.True(alerts.Resolve(alertId));
                thresholds.SetThreshold("memory_usage", 55, 65);
            }
            finally
            {
                // Other tests share this server: bring it back whatever happened above.
                await PgCtlAsync(pgCtl, "start");
            }

            await Eventually.TrueAsync(
                () => persistence.GetStatuses().All(s => !s.Pending && !s.Dirty),
                "every pending state stored after the server came back",
                timeout: s_recoveryTimeout);
            Assert.True(persistence.GetStatus(HealthThresholdsManager.ManagerName).LastSavedSequence > acknowledged[HealthThresholdsManager.ManagerName].Sequence);
            await EventuallyHealthyAsync(health);

            thresholdsAfterRecovery = thresholds.CaptureState(HealthThresholdsManager.ManagerName);
            alertsAfterRecovery = alerts.CaptureState(GamingAlertsManager.ManagerName);
            swarmAfterRecovery = swarm.CaptureState(SwarmIntegrationManager.ManagerName);
            await host.StopAsync(Ct);
        }

        using (var restarted = CreateHost(store))
        {
            await restarted.StartAsync(Ct);
            var vault = restarted.Services.GetRequiredService<SnapshotVault>();
            var thresholds = restarted.Services.GetRequiredService<HealthThresholdsManager>();
            var alerts = restarted.Services.GetRequiredService<GamingAlertsManager>();
            var swarm = restarted.Services.GetRequiredService<SwarmIntegrationManager>();

            // The newest state, including what was changed during the outage.
            Assert.True(JsonNode.DeepEquals(thresholdsAfterRecovery, thresholds.CaptureState(HealthThresholdsManager.ManagerName)));
            Assert.True(JsonNode.DeepEquals(alertsAfterRecovery, alerts.CaptureState(GamingAlertsManager.ManagerName)));
            Assert.True(JsonNode.DeepEquals(swarmAfterRecovery, swarm.CaptureState(SwarmIntegrationManager.ManagerName)));
            var memory = thresholds.GetThreshold("memory_usage")!;
            Assert.Equal((55.0, 65.0), (memory.Warning, memory.Critical));
            Assert.Equal(60.0, thresholds.GetThreshold("cpu_usage")!.Warning);
            Assert.Empty(alerts.GetActiveAlerts());
            var resolved = Assert.Single(alerts.State.AlertHistory);
            Assert.Equal("ops", resolved.AcknowledgedBy);
            Assert.Contains(swarm.GetMessages(agentId), m => m.Content == "ready");

            // Every state acknowledged before the outage is still there, byte for byte, and nothing in the store is damaged.
            foreach (var (system, (sequence, json)) in acknowledged)
            {
                var stored = await vault.LoadJsonAsync(system, sequence, Ct);
                Assert.NotNull(stored);
                Assert.Equal(json, stored.Json.ToArray());
            }

            Assert.Empty((await vault.VerifyAsync(cancellationToken: Ct)).Damaged);
            await restarted.StopAsync(Ct);
        }
    }

    private IHost CreateHost(string store)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Services.AddPostgreSqlSnapshotStoreProvider();
        builder.Services.AddStateVault(options =>
            {
                options.Store = store;
                options.AutosaveDebounce = TimeSpan.FromMilliseconds(100);
                options.AutosaveMaxInterval = TimeSpan.FromSeconds(1);
                options.PendingRetryBaseDelay = TimeSpan.FromMilliseconds(200);
                options.PendingRetryMaxDelay = TimeSpan.FromSeconds(1);
                options.StoreRetryAttempts = 1;
                options.StoreRetryDelay = TimeSpan.FromMilliseconds(50);
                options.HealthProbeTimeout = TimeSpan.FromSeconds(5);
                // Keep every snapshot of the run, so the acknowledged ones can be read back.
                options.Retention.KeepLast = 100;
            })
            .AddStateVaultManagers(configure: options =>
            {
                options.Dependencies.CheckOnHeartbeat = false;
                options.ApiKeys.EnvironmentVariables.Clear();
                // The generated fingerprint secret would otherwise go beside the working folder.
                options.ApiKeys.FingerprintSecretFile = Path.Combine(_dir.Path, "fingerprint.key");
            });
        return builder.Build();
    }

    private static Task EventuallyHealthyAsync(HealthCheckService health) =>
        Eventually.TrueAsync(
            async () => (await health.CheckHealthAsync(Ct)).Entries[StateVaultHealthChecks.Store].Status == HealthStatus.Healthy,
            "the store health check to turn Healthy after PostgreSQL is back",
            timeout: s_recoveryTimeout);

    private static async Task PgCtlAsync(string pgCtl, string verb)
    {
        var info = new ProcessStartInfo(pgCtl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(verb);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        // Not the test's token: a cancelled run must still restart the shared server.
        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.True(process.ExitCode == 0, $"{pgCtl} {verb} exited with {process.ExitCode}: {await stdout} {await stderr}");
    }
}
