using System.Diagnostics;
using System.Net.Http.Json;
using StateVault.Server.Tests.Support;
using StateVault.Sqlite;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.MultiInstance;

/// <summary>
/// Two server processes on one <c>file:</c> folder, and two on one <c>sqlite:</c> file, with ownership by lease (OS file locks next to
/// the data): manager operations through both (the non-owner forwards), the owner killed with SIGKILL again and again; after every
/// failover each acknowledged operation is in the newest snapshot, and no snapshot was written by an instance that did not own it.
/// </summary>
public sealed class SharedFolderFailoverTests(ITestOutputHelper output) : IDisposable
{
    private const int Failovers = 5;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "sv-shared-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Theory]
    [InlineData("file")]
    [InlineData("sqlite")]
    public async Task Owner_KilledRepeatedly_TheOtherProcessTakesOverAndNothingAcknowledgedIsLost(string scheme)
    {
        Directory.CreateDirectory(_root);
        var (store, openVault) = scheme == "file"
            ? ("file:" + Path.Combine(_root, "data"), (Func<SnapshotVault>)(() => Open(FileSnapshotStoreProvider.Create(Path.Combine(_root, "data")))))
            : ("sqlite:" + Path.Combine(_root, "statevault.db"), () => Open(SqliteSnapshotStoreProvider.Create(new SqliteSnapshotStoreOptions { DatabasePath = Path.Combine(_root, "statevault.db") })));
        // A guard against a hang, not a timing assertion: the test fails only when a failover round makes no progress for 3 minutes.
        using var guard = new HangGuard(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);
        var ct = guard.Token;
        var urls = new[] { ServerProcess.FreeUrl(), ServerProcess.FreeUrl() };
        var generation = 0;
        var processes = new Process?[2];
        try
        {
            (processes[0], var adminKey) = await ServerProcess.StartFirstAsync(store, urls[0], $"i0-{generation++}", ct);
            processes[1] = ServerProcess.Start(store, urls[1], $"i1-{generation++}");
            await ServerProcess.WaitReadyAsync(processes[1]!, keyFile: null, ct);
            var clients = urls.Select(u => ServerProcess.Client(u, adminKey)).ToArray();
            var acknowledged = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var round = 0; round < Failovers; round++)
            {
                // Operations through both processes, concurrently: the non-owner forwards to the owner.
                var writes = await Task.WhenAll(Enumerable.Range(0, 6).Select(async n =>
                {
                    var key = $"r{round}_{n}";
                    using var response = await clients[n % 2].PutAsJsonAsync($"api/managers/core_management/config/{key}", new { value = "v" + key }, ct);
                    return (key, response.IsSuccessStatusCode);
                }));
                foreach (var (key, _) in writes.Where(w => w.IsSuccessStatusCode))
                {
                    acknowledged[key] = "v" + key;
                }

                var owner = await ServerProcess.OwnerSlotAsync(clients, ct);
                await ServerProcess.KillAsync(processes[owner]!, ct);
                processes[owner] = ServerProcess.Start(store, urls[owner], $"i{owner}-{generation++}");

                // The OS released the dead owner's lock: the survivor takes the lease, reloads the newest snapshot and acknowledges again.
                var survivor = clients[1 - owner];
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
                await ServerProcess.AssertNothingLostAsync(openVault, acknowledged, ct);
                guard.Progress($"{scheme} failover {round}");
            }

            await ServerProcess.AssertWrittenOnlyByOwnersAsync(openVault, ["core_management", "api_keys"], ct);
            output.WriteLine($"{scheme}: {Failovers} failovers, {acknowledged.Count} acknowledged operations, all present");
            Assert.True(acknowledged.Count >= 2 * Failovers, $"only {acknowledged.Count} operations were acknowledged");
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

    private static SnapshotVault Open(ISnapshotStore store) => new(store, new SnapshotVaultOptions { PruneAfterSave = false }, ownsStore: true);
}
