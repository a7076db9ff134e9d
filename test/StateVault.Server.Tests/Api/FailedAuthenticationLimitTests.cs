using System.Net;
using Microsoft.Extensions.Time.Testing;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>
/// Failed authentications are limited per source and per presented key id; a request with a valid key is never
/// throttled, whatever others sent before it.
/// </summary>
public sealed class FailedAuthenticationLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<ServerHost> StartAsync(FakeTimeProvider time, int limit = 20, bool forwarded = false) =>
        ServerHost.StartAsync(
            timeProvider: time,
            settings: new Dictionary<string, string>
            {
                ["StateVault:Server:FailedAuthenticationLimit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["StateVault:Server:FailedAuthenticationWindow"] = "00:01:00",
                ["StateVault:Server:ReverseProxy:Enabled"] = forwarded ? "true" : "false",
            },
            cancellationToken: Ct);

    private static HttpRequestMessage Get(string path, string key, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        if (forwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        }

        return request;
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request, Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task BadKeysFromOneAddress_ThenValidKeysFromTheSameAddress_AreServedAndTheAttackerStillGets429()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sut = await StartAsync(time);
        using var client = sut.Client();

        var attacker = new List<HttpStatusCode>();
        for (var i = 0; i < 25; i++)
        {
            attacker.Add(await SendAsync(client, Get("api/systems", $"svk_{i:D12}_wrong")));
        }

        var admin = await SendAsync(client, Get("api/systems", sut.AdminKey));
        var reader = await SendAsync(client, Get("api/systems", sut.ReaderKey));
        var writerSave = await SendAsync(client, Get("api/whoami", sut.WriterKey));
        using var attackerAgain = await client.SendAsync(Get("api/systems", "svk_000000000099_wrong"), Ct);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 20), attacker.Take(20));
        Assert.All(attacker.Skip(20), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.Equal(HttpStatusCode.OK, admin);
        Assert.Equal(HttpStatusCode.OK, reader);
        Assert.Equal(HttpStatusCode.OK, writerSave);
        await SnapshotApiTests.ProblemAsync(attackerAgain, HttpStatusCode.TooManyRequests);
        Assert.InRange(int.Parse(attackerAgain.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);

        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, Get("api/systems", "svk_000000000099_wrong")));
    }

    [Fact]
    public async Task WrongSecretsForARealKeyId_AreLimitedButTheRealKeyStillWorks()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sut = await StartAsync(time, limit: 3, forwarded: true);
        using var client = sut.Client();
        var adminId = sut.AdminKey.Split('_')[1];

        // Guesses at the admin key from many addresses: the key id's own limit applies.
        var guesses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            guesses.Add(await SendAsync(client, Get("api/systems", $"svk_{adminId}_guess{i}", $"198.51.100.{i + 1}")));
        }

        var realFromElsewhere = await SendAsync(client, Get("api/keys", sut.AdminKey, "198.51.100.77"));
        var realFromAGuesser = await SendAsync(client, Get("api/keys", sut.AdminKey, "198.51.100.1"));

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], guesses);
        Assert.Equal(HttpStatusCode.OK, realFromElsewhere);
        Assert.Equal(HttpStatusCode.OK, realFromAGuesser);
    }

    [Fact]
    public async Task ForwardedFor_OffByDefault_IsIgnoredSoEveryClientBehindItIsOneSource()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sut = await StartAsync(time, limit: 3);
        using var client = sut.Client();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, Get("api/systems", $"svk_{i:D12}_wrong", "203.0.113.5")));
        }

        // Another claimed address, another key id: X-Forwarded-For is not trusted, so it is the same source.
        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(client, Get("api/systems", "svk_000000000042_wrong", "203.0.113.6")));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, Get("api/systems", sut.ReaderKey, "203.0.113.5")));
    }

    [Fact]
    public async Task ForwardedFor_EnabledBehindALoopbackProxy_LimitsEachForwardedClientOnItsOwn()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sut = await StartAsync(time, limit: 3, forwarded: true);
        using var client = sut.Client();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, Get("api/systems", $"svk_{i:D12}_wrong", "203.0.113.5")));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await SendAsync(client, Get("api/systems", "svk_000000000042_wrong", "203.0.113.5")));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, Get("api/systems", "svk_000000000043_wrong", "203.0.113.6")));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, Get("api/systems", sut.ReaderKey, "203.0.113.5")));
    }
}
