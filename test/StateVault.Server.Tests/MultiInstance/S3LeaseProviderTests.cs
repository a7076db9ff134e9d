using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Time.Testing;
using StateVault.Hosting.Ownership;
using StateVault.S3.Tests;
using StateVault.Server.Ownership;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.MultiInstance;

/// <summary>
/// S3 ownership on the real s3rver (STATEVAULT_TEST_S3_ENDPOINT / STATEVAULT_TEST_S3_BUCKET): whether it is refused comes from the
/// conditional-write probe, not from the scheme; behind a proxy that enforces the conditions, the lease object works.
/// </summary>
public sealed class S3LeaseProviderTests
{
    private static readonly TimeSpan s_lease = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Uri Endpoint => new(Backend.RequireEnvironment("STATEVAULT_TEST_S3_ENDPOINT", "An S3-compatible server (s3rver)"));

    private static string Bucket => Backend.RequireEnvironment("STATEVAULT_TEST_S3_BUCKET", "An S3 test bucket");

    [Fact]
    public async Task Create_OnS3rver_ProbeFindsIfNoneMatchIgnoredAndRefuses()
    {
        var endpoint = Endpoint;
        var sut = new StoreLeaseProviderFactory(TimeProvider.System);
        using var raw = new AmazonS3Client(new AmazonS3Config { ServiceURL = endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1", RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED });
        var key = $"tests/s3-lease-{Guid.NewGuid():N}/existing";
        await raw.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = "first", UseChunkEncoding = false }, Ct);

        // What the probe asks, asked by hand: a create-only PUT on an existing object. A server that honours it answers 412.
        var status = await CreateOnlyPutStatusAsync(raw, key);
        var provider = sut.Create(StoreUri(endpoint), out var refusal);

        Assert.Equal(HttpStatusCode.OK, status); // s3rver 3.x ignores If-None-Match: * (the object is overwritten)
        Assert.Null(provider);
        Assert.Contains("ignores conditional writes", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_OnServerEnforcingConditions_IsNotRefusedAndOneInstanceOwnsUntilExpiry()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(Endpoint);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var factory = new StoreLeaseProviderFactory(time);
        var uri = StoreUri(proxy.Endpoint);
        await using var sut = (S3LeaseProvider)(factory.Create(uri, out var refusal) ?? throw new InvalidOperationException(refusal));
        await using var other = (S3LeaseProvider)factory.Create(uri, out _)!;

        var first = await sut.TryAcquireAsync("core_management", "a", "http://a", s_lease, TimeSpan.Zero, Ct);
        var refused = await other.TryAcquireAsync("core_management", "b", "http://b", s_lease, TimeSpan.Zero, Ct);
        var holder = await other.GetHolderAsync("core_management", Ct);
        time.Advance(s_lease + TimeSpan.FromSeconds(1));
        var taken = await other.TryAcquireAsync("core_management", "b", "http://b", s_lease, TimeSpan.Zero, Ct);
        var renewedByDeposed = await sut.RenewAsync(first!, s_lease, Ct);
        await other.ReleaseAsync(taken!, Ct);
        var back = await sut.TryAcquireAsync("core_management", "a", "http://a", s_lease, TimeSpan.Zero, Ct);

        Assert.Null(refusal);
        Assert.Equal(1, first!.Token);
        Assert.Null(refused);
        Assert.Equal(("a", "http://a"), (holder!.OwnerId, holder.OwnerUrl));
        Assert.Equal(("b", 2L), (taken!.OwnerId, taken.Token));
        Assert.False(renewedByDeposed);
        Assert.Equal(3, back!.Token);
    }

    [Fact]
    public async Task TryAcquire_ManyInstancesRacingForAFreeLease_ExactlyOneWins()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(Endpoint);
        var factory = new StoreLeaseProviderFactory(TimeProvider.System);
        var uri = StoreUri(proxy.Endpoint);
        var providers = Enumerable.Range(0, 4).Select(n => (S3LeaseProvider)factory.Create(uri, out var unused)!).ToArray();
        try
        {
            for (var round = 0; round < 5; round++)
            {
                var system = "race" + round;
                var results = await Task.WhenAll(providers.Select((p, i) => p.TryAcquireAsync(system, "i" + i, null, s_lease, TimeSpan.Zero, Ct)));

                Assert.Single(results, r => r is not null);
            }
        }
        finally
        {
            foreach (var provider in providers)
            {
                await provider.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TryAcquire_LeaseReadTornByAConcurrentOverwrite_ReadsAgainInsteadOfFailing()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(Endpoint);
        var factory = new StoreLeaseProviderFactory(TimeProvider.System);
        var uri = StoreUri(proxy.Endpoint);
        await using var sut = (S3LeaseProvider)(factory.Create(uri, out var refusal) ?? throw new InvalidOperationException(refusal));
        var first = await sut.TryAcquireAsync("torn", "a", null, s_lease, TimeSpan.Zero, Ct);

        // The next read of the lease object comes back with a body that does not match its checksum (s3rver, overwritten
        // while read): the provider reads again and answers from a whole version.
        proxy.TearNextReads(1);
        var again = await sut.TryAcquireAsync("torn", "a", null, s_lease, TimeSpan.Zero, Ct);
        proxy.TearNextReads(1);
        var holder = await sut.GetHolderAsync("torn", Ct);

        Assert.NotNull(first);
        Assert.Equal(first!.Token, again!.Token);
        Assert.Equal("a", holder!.OwnerId);
    }

    private static string StoreUri(Uri endpoint) =>
        $"s3://{Bucket}/tests/s3-lease-{Guid.NewGuid():N}?endpoint={Uri.EscapeDataString(endpoint.ToString().TrimEnd('/'))}&region=us-east-1";

    private static async Task<HttpStatusCode> CreateOnlyPutStatusAsync(IAmazonS3 client, string key)
    {
        try
        {
            var response = await client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, ContentBody = "second", IfNoneMatch = "*", UseChunkEncoding = false }, Ct);
            return response.HttpStatusCode;
        }
        catch (AmazonS3Exception ex)
        {
            return ex.StatusCode;
        }
    }
}
