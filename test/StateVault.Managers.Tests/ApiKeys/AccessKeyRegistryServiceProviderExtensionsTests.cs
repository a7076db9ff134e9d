using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StateVault.Managers.ApiKeys;
using Xunit;

namespace StateVault.Managers.Tests.ApiKeys;

public sealed class AccessKeyRegistryServiceProviderExtensionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task OpenAccessKeyRegistryAsync_WithoutHost_KeysSurviveAcrossProcessesLikeTheCli()
    {
        string key;
        await using (var first = BuildCliContainer())
        {
            var sut = await first.OpenAccessKeyRegistryAsync(Ct);
            key = (await sut.CreateAccessKeyAsync(AccessRole.Reader, "dashboard", Ct)).Key;
        }

        await using var second = BuildCliContainer();
        var registry = await second.OpenAccessKeyRegistryAsync(Ct);

        var info = registry.ValidateAccessKey(key);
        Assert.Equal(AccessRole.Reader, info!.Role);
        Assert.Equal("dashboard", Assert.Single(registry.ListAccessKeys()).Description);
        Assert.True(await registry.RevokeAccessKeyAsync(info.Id, Ct));
    }

    private ServiceProvider BuildCliContainer()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.AddStateVault(o => o.Store = "file:" + _dir.Store).AddStateVaultManager<ApiKeysManager>();
        return services.BuildServiceProvider();
    }
}
