using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StateVault.Managers.ApiKeys;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Managers.Tests.ApiKeys;

/// <summary>Where the fingerprint secret comes from: configuration on shared stores, checked when the host starts.</summary>
public sealed class ApiKeysFingerprintSecretTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    // (SQLite: a worker process in StateVault.Sqlite.Tests, started from other working folders.)
    [Fact]
    public async Task Start_PostgreSqlStoreWithoutSecret_FailsNamingTheOption()
    {
        await using var sut = ManagerHost.Create(_dir.Store, _time, services: s => s.AddPostgreSqlSnapshotStoreProvider(), hosting: o => o.Store = "postgresql://user:pw@127.0.0.1:1/app");

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => sut.Host.StartAsync(Ct));

        Assert.Contains("StateVault:Managers:ApiKeys:FingerprintSecret", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "data", ".statevault-fingerprint.key")));
    }

    [Theory]
    [InlineData("short", null, "at least 16 characters")]
    [InlineData(null, "relative/fingerprint.key", "absolute path")]
    public async Task Start_InvalidSecretOptions_FailNamingTheProblem(string? secret, string? file, string expected)
    {
        await using var sut = ManagerHost.Create(_dir.Store, _time, configure: o =>
        {
            o.ApiKeys.FingerprintSecret = secret;
            o.ApiKeys.FingerprintSecretFile = file;
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => sut.Host.StartAsync(Ct));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fingerprint_SharedStoreWithConfiguredSecret_IsTheKeyedHashUnderThatSecret()
    {
        const string Secret = "a-configured-secret-of-some-length";
        await using var sut = ManagerHost.Create(_dir.Store, _time, configure: o => o.ApiKeys.FingerprintSecret = Secret, services: s => s.AddPostgreSqlSnapshotStoreProvider(), hosting: o => o.Store = "postgresql://user:pw@127.0.0.1:1/app");

        var fingerprint = sut.Manager<ApiKeysManager>().Fingerprint("some-provider-key");

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("a-configured-secret-of-some-length"u8, "some-provider-key"u8)), fingerprint);
        Assert.Null(sut.Manager<ApiKeysManager>().FingerprintSecretPath);
    }
}
