using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using StateVault.TestKit;

namespace StateVault.Server.Tests.Support;

/// <summary>
/// Real server processes (<c>dotnet StateVault.Server.dll</c>) with ownership by lease (1 s lease, 300 ms renewal, 200 ms refresh) for
/// the multi-instance tests: start, wait for the start banner, read the first admin key from its file, find the owner, check snapshots.
/// </summary>
internal static partial class ServerProcess
{
    /// <summary>The slot of the instance whose <c>GET /api/managers</c> says it owns <paramref name="system"/> itself.</summary>
    public static async Task<int> OwnerSlotAsync(HttpClient[] clients, CancellationToken ct, string system = "core_management")
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
                        var manager = managers.EnumerateArray().Single(m => m.GetProperty("name").GetString() == system);
                        if (manager.TryGetProperty("owner", out var owner) && owner.ValueKind == JsonValueKind.Object && owner.GetProperty("self").GetBoolean())
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
            "an instance that owns " + system,
            timeout: TimeSpan.FromSeconds(60));
        return slot;
    }

    /// <summary>Every acknowledged <c>core_management</c> config entry is in the newest snapshot.</summary>
    public static async Task AssertNothingLostAsync(Func<SnapshotVault> openVault, IReadOnlyDictionary<string, string> acknowledged, CancellationToken ct)
    {
        await using var vault = openVault();
        var newest = await vault.LoadLatestJsonAsync("core_management", ct);
        var config = JsonDocument.Parse(newest!.Json).RootElement.GetProperty("config");
        foreach (var (key, value) in acknowledged)
        {
            Xunit.Assert.True(config.TryGetProperty(key, out var stored) && stored.GetString() == value, $"acknowledged {key} is missing from snapshot {newest.Metadata.Sequence}");
        }
    }

    /// <summary>
    /// Every snapshot of <paramref name="systems"/> names its owner, fencing tokens never go down along the sequences (no deposed owner
    /// wrote after a take-over), and each token belongs to one owner only.
    /// </summary>
    public static async Task AssertWrittenOnlyByOwnersAsync(Func<SnapshotVault> openVault, IEnumerable<string> systems, CancellationToken ct)
    {
        await using var vault = openVault();
        foreach (var system in systems)
        {
            var previous = 0L;
            var owners = new Dictionary<long, string>();
            foreach (var listing in (await vault.ListAsync(system, ct)).OrderBy(l => l.Sequence))
            {
                var snapshot = await vault.LoadJsonAsync(system, listing.Sequence, ct);
                var attributes = snapshot!.Metadata.Attributes;
                var hasToken = attributes.TryGetValue("owner_token", out var text);
                var hasOwner = attributes.TryGetValue("owner", out var owner);
                Xunit.Assert.True(hasToken && hasOwner, $"{system} snapshot {listing.Sequence} has no owner");
                var token = long.Parse(text!, CultureInfo.InvariantCulture);
                Xunit.Assert.True(token >= previous, $"{system} snapshot {listing.Sequence} was written with token {token} after token {previous}");
                Xunit.Assert.True(owners.TryAdd(token, owner!) || owners[token] == owner, $"{system} token {token} was used by {owners[token]} and by {owner}");
                previous = token;
            }
        }
    }
}
