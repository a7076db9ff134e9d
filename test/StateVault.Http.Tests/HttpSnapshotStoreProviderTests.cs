using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Http.Tests;

public sealed class HttpSnapshotStoreProviderTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:5080/")]
    [InlineData("https://vault.internal/statevault", "https://vault.internal/statevault/")]
    [InlineData("http://[::1]:8080/", "http://[::1]:8080/")]
    public void ParseBaseAddress_ValidUris_KeepHostPortAndPrefix(string uri, string expected) =>
        Assert.Equal(expected, HttpSnapshotStoreProvider.ParseBaseAddress(uri).ToString());

    [Theory]
    [InlineData("ftp://host")]
    [InlineData("http:relative")]
    [InlineData("http://host:5080/?key=x")]
    [InlineData("http://host:5080/#frag")]
    public void ParseBaseAddress_InvalidUris_Throw(string uri) =>
        Assert.Throws<ArgumentException>(() => HttpSnapshotStoreProvider.ParseBaseAddress(uri));

    [Fact]
    public void ParseBaseAddress_WithCredentials_ThrowsWithoutEchoingThem()
    {
        var ex = Assert.Throws<ArgumentException>(() => HttpSnapshotStoreProvider.ParseBaseAddress("http://user:s3cretPass@host:5080"));

        Assert.DoesNotContain("s3cretPass", ex.Message, StringComparison.Ordinal);
        Assert.Contains(HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Factory_WithTheDiRegisteredProvider_OpensHttpUrisAndTakesTheKeyFromTheEnvironment()
    {
        var services = new ServiceCollection().AddHttpSnapshotStore().BuildServiceProvider();
        var factory = new SnapshotStoreFactory(services.GetServices<ISnapshotStoreProvider>(), NullLoggerFactory.Instance);
        var previous = Environment.GetEnvironmentVariable(HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable);
        Environment.SetEnvironmentVariable(HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable, fixture.Server.WriterKey);
        ISnapshotStore store;
        try
        {
            store = factory.Open(fixture.Server.BaseAddress.ToString().TrimEnd('/'));
        }
        finally
        {
            Environment.SetEnvironmentVariable(HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable, previous);
        }

        await using (store)
        {
            await using var vault = new SnapshotVault(store);
            var saved = await vault.SaveJsonAsync("via_env_key", """{"n":1}"""u8.ToArray(), cancellationToken: Ct);
            var loaded = await fixture.Server.Vault.LoadLatestJsonAsync("via_env_key", Ct);

            Assert.Equal("http", store.Kind);
            Assert.Contains("https", factory.Schemes);
            Assert.Equal(1, saved.Sequence);
            Assert.Equal("""{"n":1}""", System.Text.Encoding.UTF8.GetString(loaded!.Json.Span));
        }
    }

    [Fact]
    public async Task Append_WithAWrongKey_FailsNonTransientNamingTheVariable()
    {
        await using var store = HttpSnapshotStoreProvider.Create(new HttpSnapshotStoreOptions { BaseAddress = fixture.Server.BaseAddress, ApiKey = "svk_000000000000_wrong" });

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => store.AppendAsync("denied", null, s => TestEnvelopes.Create("denied", s, "{}"), Ct));

        Assert.False(ex.IsTransient);
        Assert.Contains("401", ex.Message, StringComparison.Ordinal);
        Assert.Contains(HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_WithAReaderKey_Fails403ButReadsWork()
    {
        await using var store = HttpSnapshotStoreProvider.Create(new HttpSnapshotStoreOptions { BaseAddress = fixture.Server.BaseAddress, ApiKey = fixture.Server.ReaderKey });

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => store.AppendAsync("readonly", null, s => TestEnvelopes.Create("readonly", s, "{}"), Ct));

        Assert.False(ex.IsTransient);
        Assert.Contains("403", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await store.GetLatestSequenceAsync("readonly", Ct));
    }

    [Fact]
    public async Task AnyCall_ServerNotListening_FailsTransient()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens on this port any more
        await using var store = HttpSnapshotStoreProvider.Create(new HttpSnapshotStoreOptions { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), ApiKey = "svk_x_y" });

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => store.GetLatestSequenceAsync("any", Ct));

        Assert.True(ex.IsTransient);
    }

    [Fact]
    public async Task Read_FromAnAddressThatIsNoStateVaultServer_ThrowsInsteadOfReportingMissing()
    {
        // The dashboard's static files answer 404 for an unknown path: that must not read as "no such snapshot".
        await using var store = HttpSnapshotStoreProvider.Create(new HttpSnapshotStoreOptions { BaseAddress = new Uri(fixture.Server.BaseAddress, "not-the-api/"), ApiKey = fixture.Server.ReaderKey });

        await Assert.ThrowsAsync<SnapshotStoreException>(() => store.ReadAsync("any", 1, Ct));
    }

    [Fact]
    public void Validator_RejectsBadOptions()
    {
        var sut = new HttpSnapshotStoreOptionsValidator();

        var result = sut.Validate(null, new HttpSnapshotStoreOptions { BaseAddress = new Uri("ftp://x/"), RequestTimeout = TimeSpan.Zero, MaxAppendAttempts = 0, ApiKey = "a b" });

        Assert.True(result.Failed);
        Assert.Equal(4, result.Failures!.Count());
    }
}
