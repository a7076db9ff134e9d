using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using StateVault.PostgreSql;
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
    private const string Secret = "failover-test-fingerprint-secret";

    private static string ServerDll => Path.Combine(AppContext.BaseDirectory, "StateVault.Server.dll");

    private static int Failovers =>
        int.TryParse(Environment.GetEnvironmentVariable("STATEVAULT_FAILOVERS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 20;

    [Fact]
    public async Task Owner_KilledRepeatedly_AnotherTakesOverAndNothingAcknowledgedIsLost()
    {
        var server = Backend.RequireEnvironment("STATEVAULT_TEST_POSTGRES", "PostgreSQL");
        var store = server + (server.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "schema=fo_" + Guid.NewGuid().ToString("N")[..12];
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromMinutes(6)); // a hang guard, not a timing assertion
        var ct = guard.Token;
        var urls = Enumerable.Range(0, 3).Select(_ => FreeUrl()).ToArray();
        var generation = 0;
        var processes = new Process?[3];
        try
        {
            var keyFile = Path.Combine(Path.GetTempPath(), "sv-failover-" + Guid.NewGuid().ToString("N") + ".admin-key");
            processes[0] = Start(store, urls[0], $"i0-{generation++}", keyFile);
            string adminKey;
            try
            {
                adminKey = await WaitReadyAsync(processes[0]!, keyFile, ct) ?? throw new InvalidOperationException("no admin key written");
            }
            finally
            {
                File.Delete(keyFile);
            }

            for (var i = 1; i < 3; i++)
            {
                processes[i] = Start(store, urls[i], $"i{i}-{generation++}");
            }

            for (var i = 1; i < 3; i++)
            {
                await WaitReadyAsync(processes[i]!, keyFile: null, ct);
            }

            var clients = urls.Select(u => Client(u, adminKey)).ToArray();
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

                var owner = await OwnerSlotAsync(clients, ct);
                processes[owner]!.Kill(entireProcessTree: false);
                await processes[owner]!.WaitForExitAsync(ct);
                processes[owner]!.Dispose();
                processes[owner] = Start(store, urls[owner], $"i{owner}-{generation++}");

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
                await WaitReadyAsync(processes[owner]!, keyFile: null, ct);
                await AssertNothingLostAsync(store, acknowledged, ct);
                foreach (var key in keys)
                {
                    using var withKey = Client(urls[(owner + 2) % 3], key);
                    await Eventually.TrueAsync(async () => (await withKey.GetAsync("api/managers", ct)).StatusCode == HttpStatusCode.OK, $"key created before failover {round} still works");
                }
            }

            await AssertWrittenOnlyByOwnersAsync(store, ct);
            output.WriteLine($"{Failovers} failovers, {acknowledged.Count} acknowledged operations, {keys.Count} keys, all present");
            Assert.True(acknowledged.Count >= Failovers);
        }
        finally
        {
            foreach (var process in processes.OfType<Process>())
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }
        }
    }

    private static async Task AssertNothingLostAsync(string store, Dictionary<string, string> acknowledged, CancellationToken ct)
    {
        await using var vault = new SnapshotVault(PostgreSqlSnapshotStoreProvider.Create(PostgreSqlSnapshotStoreProvider.ParseUri(store)), new SnapshotVaultOptions { PruneAfterSave = false }, ownsStore: true);
        var newest = await vault.LoadLatestJsonAsync("core_management", ct);
        var config = JsonDocument.Parse(newest!.Json).RootElement.GetProperty("config");
        foreach (var (key, value) in acknowledged)
        {
            Assert.True(config.TryGetProperty(key, out var stored) && stored.GetString() == value, $"acknowledged {key} is missing from snapshot {newest.Metadata.Sequence}");
        }
    }

    /// <summary>Fencing tokens never go down along the sequences: no deposed owner wrote after a take-over.</summary>
    private static async Task AssertWrittenOnlyByOwnersAsync(string store, CancellationToken ct)
    {
        await using var vault = new SnapshotVault(PostgreSqlSnapshotStoreProvider.Create(PostgreSqlSnapshotStoreProvider.ParseUri(store)), new SnapshotVaultOptions { PruneAfterSave = false }, ownsStore: true);
        foreach (var system in new[] { "core_management", "api_keys" })
        {
            var previous = 0L;
            foreach (var listing in (await vault.ListAsync(system, ct)).OrderBy(l => l.Sequence))
            {
                var snapshot = await vault.LoadJsonAsync(system, listing.Sequence, ct);
                Assert.True(snapshot!.Metadata.Attributes.TryGetValue("owner_token", out var text), $"{system} snapshot {listing.Sequence} has no owner");
                var token = long.Parse(text, CultureInfo.InvariantCulture);
                Assert.True(token >= previous, $"{system} snapshot {listing.Sequence} was written with token {token} after token {previous}");
                previous = token;
            }
        }
    }

    private static async Task<int> OwnerSlotAsync(HttpClient[] clients, CancellationToken ct)
    {
        var slot = -1;
        await Eventually.TrueAsync(
            async () =>
            {
                foreach (var (client, i) in clients.Select((c, i) => (c, i)))
                {
                    try
                    {
                        var managers = await client.GetFromJsonAsync<JsonElement>("api/managers", ct);
                        var core = managers.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "core_management");
                        if (core.TryGetProperty("owner", out var owner) && owner.ValueKind == JsonValueKind.Object && owner.GetProperty("self").GetBoolean())
                        {
                            slot = i;
                            return true;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // starting
                    }
                }

                return false;
            },
            "an instance that owns core_management",
            timeout: TimeSpan.FromSeconds(60));
        return slot;
    }

    private static Process Start(string store, string url, string instanceId, string? firstKeyFile = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            ServerDll, "--urls", url, "--store", store,
            "--StateVault:Ownership:Enabled", "true",
            "--StateVault:Ownership:LeaseDuration", "00:00:01",
            "--StateVault:Ownership:RenewInterval", "00:00:00.300",
            "--StateVault:Ownership:InstanceId", instanceId,
            "--StateVault:Ownership:AdvertisedUrl", url,
            "--StateVault:RefreshInterval", "00:00:00.200",
            "--Logging:LogLevel:Default", "Warning",
            // The start banner (the dashboard address) is a log line when output is not a terminal.
            "--Logging:LogLevel:StateVault.Server.Hosting.FirstStartService", "Information",
        })
        {
            info.ArgumentList.Add(argument);
        }

        if (firstKeyFile is not null)
        {
            // A PostgreSQL store has no folder to put the first admin key beside; the key never goes to the output.
            info.ArgumentList.Add("--StateVault:Server:FirstAdminKeyFile");
            info.ArgumentList.Add(firstKeyFile);
        }

        info.Environment["StateVault__Managers__ApiKeys__FingerprintSecret"] = Secret;
        info.Environment["DOTNET_TieredPGO"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Waits for the start banner (a log line) and, given the first-key file, for the log line naming it; returns the key.</summary>
    private static async Task<string?> WaitReadyAsync(Process process, string? keyFile, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(90));
        var ready = false;
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            var text = line.Trim();
            if (text.StartsWith("StateVault dashboard: ", StringComparison.Ordinal))
            {
                ready = true;
                if (keyFile is null)
                {
                    _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return null;
                }
            }
            else if (keyFile is not null && ready && text.Contains(keyFile, StringComparison.Ordinal))
            {
                // Logged once the file is in place (written to a temporary file, then renamed).
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return (await File.ReadAllTextAsync(keyFile, deadline.Token)).Trim();
            }
        }

        throw new InvalidOperationException($"the server exited before it was ready (code {(process.HasExited ? process.ExitCode : -1)})");
    }

    private static HttpClient Client(string url, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static string FreeUrl()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return "http://127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }
}
