using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StateVault.Managers.ApiKeys;
using StateVault.Server.Hosting;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.Hosting;

/// <summary>The server on a shared store needs the API key manager's fingerprint secret from configuration.</summary>
public sealed class FingerprintSecretStartupTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Database => Path.Combine(_dir.Path, "statevault.db");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Start_SqliteStoreWithoutFingerprintSecret_FailsNamingTheOption()
    {
        // Building the server already resolves the managers' options; either way, it never serves.
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var sut = Build();
            await sut.StartAsync(Ct);
        });

        Assert.Contains("StateVault:Managers:ApiKeys:FingerprintSecret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SqliteStoreWithFingerprintSecret_StartsAndFingerprintsUnderIt()
    {
        await using var sut = Build("--StateVault:Managers:ApiKeys:FingerprintSecret", "a-configured-secret-of-some-length");

        await sut.StartAsync(Ct);

        var manager = sut.Services.GetRequiredService<ApiKeysManager>();
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("a-configured-secret-of-some-length"u8, "key-1234567890"u8)), manager.Fingerprint("key-1234567890"));
        await sut.StopAsync(Ct);
    }

    private WebApplication Build(params string[] extra)
    {
        var builder = StateVaultServer.CreateBuilder(["--urls", "http://127.0.0.1:0", "--store", "sqlite:" + Database, .. extra]);
        builder.Logging.ClearProviders();
        return StateVaultServer.Build(builder);
    }
}
