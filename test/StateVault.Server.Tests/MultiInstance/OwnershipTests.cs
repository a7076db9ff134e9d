using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Net.Http.Json;
using System.Text.Json;
using StateVault.Hosting.Ownership;
using StateVault.Server.Tests.Support;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.MultiInstance;

/// <summary>Two servers on one store folder with ownership by lease (OS file locks): one owner per manager system.</summary>
public sealed class OwnershipTests : IDisposable
{
    private static readonly Dictionary<string, string> s_ownership = new(StringComparer.Ordinal)
    {
        ["StateVault:Ownership:Enabled"] = "true",
        ["StateVault:Ownership:LeaseDuration"] = "00:00:01",
        ["StateVault:Ownership:RenewInterval"] = "00:00:00.300",
        ["StateVault:RefreshInterval"] = "00:00:00.200",
    };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "sv-owners-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task ManagerWrite_OnTheNonOwner_Is503NamingTheOwnerAndTheOwnersWriteIsShownThere()
    {
        await using var first = await ServerHost.StartAsync(_root, settings: s_ownership, cancellationToken: Ct);
        await using var sut = await ServerHost.StartAsync(_root, settings: s_ownership, createKeys: false, cancellationToken: Ct);
        var firstId = first.App.Services.GetRequiredService<IOwnershipView>().InstanceId;
        using var owner = first.Client(first.WriterKey);
        using var other = sut.Client(first.WriterKey);
        await Eventually.TrueAsync(async () => (await other.GetAsync("api/managers", Ct)).IsSuccessStatusCode, "the first's keys on the second");

        using var refused = await other.PutAsJsonAsync("api/managers/core_management/config/region", new { value = "from-second" }, Ct);
        using var accepted = await owner.PutAsJsonAsync("api/managers/core_management/config/region", new { value = "from-first" }, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(firstId, problem.GetProperty("owner").GetString());
        Assert.True(accepted.IsSuccessStatusCode);
        await Eventually.TrueAsync(
            async () => (await other.GetStringAsync("api/managers/core_management/config", Ct)).Contains("from-first", StringComparison.Ordinal),
            "the owner's change on the non-owner");
        var managers = (await other.GetFromJsonAsync<JsonElement>("api/managers", Ct)).EnumerateArray().ToList();
        Assert.All(managers, m => Assert.Equal(firstId, m.GetProperty("owner").GetProperty("instanceId").GetString()));
        Assert.All(managers, m => Assert.False(m.GetProperty("owner").GetProperty("self").GetBoolean()));
        Assert.All(managers, m => Assert.Equal(JsonValueKind.String, m.GetProperty("ownerSince").ValueKind));
        await AssertEveryManagerSnapshotWrittenByAsync(first, "core_management", firstId);
        Assert.DoesNotContain("from-second", await other.GetStringAsync("api/managers/core_management/config", Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Owner_Stops_TheOtherTakesOverReloadsAndWritesWithAHigherToken()
    {
        var first = await ServerHost.StartAsync(_root, settings: s_ownership, cancellationToken: Ct);
        await using var sut = await ServerHost.StartAsync(_root, settings: s_ownership, createKeys: false, cancellationToken: Ct);
        var sutId = sut.App.Services.GetRequiredService<IOwnershipView>().InstanceId;
        var writer = first.WriterKey;
        using (var owner = first.Client(writer))
        {
            (await owner.PutAsJsonAsync("api/managers/core_management/config/region", new { value = "before" }, Ct)).EnsureSuccessStatusCode();
        }

        await first.DisposeAsync(); // graceful stop: final saves, then the leases are released

        using var client = sut.Client(writer);
        await Eventually.TrueAsync(
            async () =>
            {
                using var response = await client.PutAsJsonAsync("api/managers/core_management/config/zone", new { value = "after" }, Ct);
                return response.IsSuccessStatusCode;
            },
            "a write on the new owner");
        var config = await client.GetStringAsync("api/managers/core_management/config", Ct);
        Assert.Contains("before", config, StringComparison.Ordinal);
        Assert.Contains("after", config, StringComparison.Ordinal);
        var newest = (await sut.Vault.LoadLatestJsonAsync("core_management", Ct))!.Metadata;
        Assert.Equal(sutId, newest.Attributes["owner"]);
        Assert.True(long.Parse(newest.Attributes["owner_token"], System.Globalization.CultureInfo.InvariantCulture) >= 2);
    }

    [Fact]
    public async Task Owner_WhoseRenewalsStall_StillWrites_WhileItHoldsTheOsLock()
    {
        // The clock goes on, the renew loop's timer never fires: a starved thread pool or a paused process. An OS lock
        // cannot be taken from a running process, so the owner still owns its systems (it answered 503 to its own writes
        // once its last renewal was a lease duration old, on a loaded CI machine).
        var time = new StalledTimers(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var sut = await ServerHost.StartAsync(_root, settings: s_ownership, timeProvider: time, cancellationToken: Ct);
        var ownership = sut.App.Services.GetRequiredService<IOwnershipView>();
        Assert.True(ownership.Owns("core_management"));

        time.Advance(TimeSpan.FromSeconds(5)); // five lease durations without a renewal
        using var client = sut.Client(sut.WriterKey);
        using var response = await client.PutAsJsonAsync("api/managers/core_management/config/region", new { value = "late" }, Ct);

        Assert.True(response.IsSuccessStatusCode, $"the owner's write answered {(int)response.StatusCode}");
        Assert.True(ownership.Owns("core_management"));
        var newest = await sut.Vault.LoadLatestJsonAsync("core_management", Ct);
        Assert.Contains("late", System.Text.Encoding.UTF8.GetString(newest!.Json.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManagerWrite_OnTheNonOwnerWithTheOwnersUrl_IsForwardedAndAHopIsNotForwardedAgain()
    {
        var (firstUrl, secondUrl) = (FreeUrl(), FreeUrl());
        await using var first = await ServerHost.StartAsync(_root, settings: WithUrl(firstUrl), cancellationToken: Ct);
        await using var sut = await ServerHost.StartAsync(_root, settings: WithUrl(secondUrl), createKeys: false, cancellationToken: Ct);
        var firstId = first.App.Services.GetRequiredService<IOwnershipView>().InstanceId;
        using var other = sut.Client(first.WriterKey);
        await Eventually.TrueAsync(async () => (await other.GetAsync("api/managers", Ct)).IsSuccessStatusCode, "the first's keys on the second");

        using var forwarded = await other.PutAsJsonAsync("api/managers/core_management/config/region", new { value = "via-second" }, Ct);
        using var hop = new HttpRequestMessage(HttpMethod.Put, "api/managers/core_management/config/zone") { Content = JsonContent.Create(new { value = "loop" }) };
        hop.Headers.Add("X-StateVault-Forwarded-By", "someone");
        using var looped = await other.SendAsync(hop, Ct);

        Assert.True(forwarded.IsSuccessStatusCode, $"forwarded write answered {(int)forwarded.StatusCode}");
        Assert.Equal(firstId, forwarded.Headers.GetValues("X-StateVault-Forwarded-By").Single());
        Assert.Equal("via-second", first.Managers.FindByName("core_management") is StateVault.Managers.Core.CoreManager core ? core.State.Config["region"] : null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, looped.StatusCode);
        await Eventually.TrueAsync(
            async () => (await other.GetStringAsync("api/managers/core_management/config", Ct)).Contains("via-second", StringComparison.Ordinal),
            "the forwarded change on the non-owner");
        await AssertEveryManagerSnapshotWrittenByAsync(first, "core_management", firstId);
    }

    private static Dictionary<string, string> WithUrl(string url) => new(s_ownership, StringComparer.Ordinal)
    {
        ["urls"] = url,
        ["StateVault:Ownership:AdvertisedUrl"] = url,
    };

    private static string FreeUrl()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return "http://127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A clock the test moves, whose timers never fire.</summary>
    private sealed class StalledTimers(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverFires();

        private sealed class NeverFires : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    private static async Task AssertEveryManagerSnapshotWrittenByAsync(ServerHost host, string system, string owner)
    {
        foreach (var listing in await host.Vault.ListAsync(system, Ct))
        {
            var snapshot = await host.Vault.LoadJsonAsync(system, listing.Sequence, Ct);
            Assert.Equal(owner, snapshot!.Metadata.Attributes["owner"]);
        }
    }
}
