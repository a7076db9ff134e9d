using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace StateVault.Managers.Tests;

/// <summary>A started host with the eight managers per test; stopped and removed at the end.</summary>
public abstract class ManagerTestBase : IAsyncLifetime
{
    private ManagerHost? _host;

    internal TempDirectory Dir { get; } = new();

    internal FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    internal ManagerHost Host => _host ?? throw new InvalidOperationException("Not started.");

    internal static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual async ValueTask InitializeAsync()
    {
        _host = ManagerHost.Create(Dir.Store, Time, Configure, ConfigureServices, ConfigureHosting);
        await _host.Host.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.Host.StopAsync(CancellationToken.None);
            await _host.DisposeAsync();
        }

        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    internal virtual void Configure(ManagerOptions options)
    {
    }

    internal virtual void ConfigureServices(IServiceCollection services)
    {
    }

    internal virtual void ConfigureHosting(StateVault.Hosting.StateVaultHostingOptions options)
    {
    }
}
