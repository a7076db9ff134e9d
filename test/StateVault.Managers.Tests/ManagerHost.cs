using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using StateVault.Hosting;
using StateVault.Storage;

namespace StateVault.Managers.Tests;

/// <summary>A host with the eight managers on a file store in a temp folder and a fake clock.</summary>
internal sealed class ManagerHost : IAsyncDisposable
{
    private ManagerHost(IHost host) => Host = host;

    public IHost Host { get; }

    public SnapshotVault Vault => Host.Services.GetRequiredService<SnapshotVault>();

    public IStatePersistence Persistence => Host.Services.GetRequiredService<IStatePersistence>();

    public IManagerRegistry Registry => Host.Services.GetRequiredService<IManagerRegistry>();

    public static ManagerHost Create(string root, FakeTimeProvider time, Action<ManagerOptions>? configure = null, Action<IServiceCollection>? services = null, Action<StateVaultHostingOptions>? hosting = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = root, Durable = false }));
        services?.Invoke(builder.Services);
        builder.Services.AddStateVault(options =>
            {
                options.Store = "file:" + root;
                options.StoreRetryAttempts = 0;
                options.Retention.KeepLast = 10;
                hosting?.Invoke(options);
            })
            .AddStateVaultManagers(configure: options =>
            {
                options.Workflows.StepRetryDelay = TimeSpan.Zero;
                options.Workflows.AllowedExecutables = ["/usr/bin/true", "/usr/bin/false", "/usr/bin/sleep", "/bin/sh"];
                options.Dependencies.CheckOnHeartbeat = false;
                options.Dependencies.RetryDelay = TimeSpan.Zero;
                options.ApiKeys.EnvironmentVariables.Clear();
                configure?.Invoke(options);
            });
        return new ManagerHost(builder.Build());
    }

    public T Manager<T>()
        where T : class => Host.Services.GetRequiredService<T>();

    /// <summary>Runs only the restore phase of the host (what happens before any manager starts work).</summary>
    public Task RestoreOnlyAsync(CancellationToken cancellationToken) => Lifecycle.StartingAsync(cancellationToken);

    /// <summary>Starts the managers' work after <see cref="RestoreOnlyAsync"/>.</summary>
    public Task StartWorkAsync(CancellationToken cancellationToken) => Lifecycle.StartAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }
    }

    // The restoring service is the first lifecycle service registered (ownership, when on, follows it).
    private IHostedLifecycleService Lifecycle => Host.Services.GetServices<IHostedService>().OfType<IHostedLifecycleService>().First();
}
