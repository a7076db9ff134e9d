using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StateVault.PostgreSql;
using StateVault.Server.Tests.Support;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.MultiInstance;

/// <summary>
/// Three server processes on the real PostgreSQL (STATEVAULT_TEST_POSTGRES) with ownership by lease (1 s lease, 300 ms renewal):
/// manager operations through all three (non-owners forward), the owner killed with SIGKILL again and again; after every
/// failover each acknowledged operation is present, every access key still works, and no snapshot was written by a deposed owner.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static int Failovers =>
        int.TryParse(Environment.GetEnvironmentVariable("STATEVAULT_FAILOVERS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 20;

    [Fact]
    public async Task Owner_KilledRepeatedly_AnotherTakesOverAndNothingAcknowledgedIsLost()
    {
        var server = Backend.RequireEnvironment("STATEVAULT_TEST_POSTGRES", "PostgreSQL");
        var store = server + (server.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "schema=fo_" + Guid.NewGuid().ToString("N")[..12];
        // A guard against a hang, not a timing assertion: a failover round takes about 6 s on an idle 2-core machine and several times
        // that while other test projects run; the test fails only when a round makes no progress for 3 minutes.
        using var guard = new HangGuard(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);
        var ct = guard.Token;
        var clock = Stopwatch.StartNew();
        var urls = Enumerable.Range(0, 3).Select(_ => ServerProcess.FreeUrl()).ToArray();
        var generation = 0;
        var processes = new Process?[3];
        try
        {
            (processes[0], var adminKey) = await ServerProcess.StartFirstAsync(store, urls[0], $"i0-{generation++}", ct);

            for (var i = 1; i < 3; i++)
            {
                processes[i] = ServerProcess.Start(store, urls[i], $"i{i}-{generation++}");
            }

            for (var i = 1; i < 3; i++)
            {
                await ServerProcess.WaitReadyAsync(processes[i]!, keyFile: null, ct);
            }

            var clients = urls.Select(u => ServerProcess.Client(u, adminKey)).ToArray();
            var acknowledged = new Dictionary<string, string>(StringComparer.Ordinal);
            var keys = new List<string>();
            var random = new Random(7);
            for (var round = 0; round < Failovers; round++)
            {
                // Operations through every instance, concurrently: non-owners forward to the owner.
                var writes = await Task.WhenAll(Enumerable.Range(0, 6).Select(async n =>
                {
                    var key = $"r{round}_{n}";
                    using var response = await clients[n % 3].PutAsJsonAsync($"api/managers/core_management/config/{key}", new { value = "v" + key }, ct);
                    return (key, response.IsSuccessStatusCode);
                }));
                foreach (var (key, ok) in writes.Where(w => w.IsSuccessStatusCode))
                {
                    acknowledged[key] = "v" + key;
                }

                using (var created = await clients[random.Next(3)].PostAsJsonAsync("api/keys", new { role = "reader", description = "round " + round }, ct))
                {
                    if (created.IsSuccessStatusCode)
                    {
                        keys.Add((await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("key").GetString()!);
                    }
                }

                var owner = await ServerProcess.OwnerSlotAsync(clients, ct);
                await ServerProcess.KillAsync(processes[owner]!, ct);
                processes[owner] = ServerProcess.Start(store, urls[owner], $"i{owner}-{generation++}");

                // The first acknowledged write after the kill, through a surviving instance.
                var survivor = clients[(owner + 1) % 3];
                await Eventually.TrueAsync(
                    async () =>
                    {
                        using var response = await survivor.PutAsJsonAsync($"api/managers/core_management/config/after{round}", new { value = "x" }, ct);
                        if (response.IsSuccessStatusCode)
                        {
                            acknowledged[$"after{round}"] = "x";
                        }

                        return response.IsSuccessStatusCode;
                    },
                    $"a write acknowledged after failover {round}",
                    timeout: TimeSpan.FromSeconds(60));
                await ServerProcess.WaitReadyAsync(processes[owner]!, keyFile: null, ct);
                await ServerProcess.AssertNothingLostAsync(() => OpenVault(store), acknowledged, ct);
                foreach (var key in keys)
                {
                    using var withKey = ServerProcess.Client(urls[(owner + 2) % 3], key);
                    await Eventually.TrueAsync(async () => (await withKey.GetAsync("api/managers", ct)).StatusCode == HttpStatusCode.OK, $"key created before failover {round} still works");
                }

                guard.Progress($"failover {round}");
                output.WriteLine($"failover {round}: slot {owner} killed, {acknowledged.Count} acknowledged, {clock.Elapsed.TotalSeconds:F1} s");
            }

            await ServerProcess.AssertWrittenOnlyByOwnersAsync(() => OpenVault(store), ["core_management", "api_keys"], ct);
            output.WriteLine($"{Failovers} failovers, {acknowledged.Count} acknowledged operations, {keys.Count} keys, all present");
            Assert.True(acknowledged.Count >= Failovers);
        }
        catch (OperationCanceledException) when (guard.Fired)
        {
            Assert.Fail(guard.Describe());
        }
        finally
        {
            foreach (var process in processes.OfType<Process>())
            {
                ServerProcess.Stop(process);
            }
        }
    }

    private static SnapshotVault OpenVault(string store) =>
        new(PostgreSqlSnapshotStoreProvider.Create(PostgreSqlSnapshotStoreProvider.ParseUri(store)), new SnapshotVaultOptions { PruneAfterSave = false }, ownsStore: true);
}
