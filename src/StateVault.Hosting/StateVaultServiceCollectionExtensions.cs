using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StateVault;
using StateVault.Hosting;
using StateVault.Hosting.Health;
using StateVault.Hosting.Ownership;
using StateVault.Hosting.Persistence;
using StateVault.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers StateVault in a host: options, the store, the vault, the manager registry, restore/autosave and health checks.</summary>
public static class StateVaultServiceCollectionExtensions
{
    /// <summary>
    /// Adds StateVault configured in code. Registers the store (opened from <see cref="StateVaultHostingOptions.Store"/> with every
    /// registered <see cref="ISnapshotStoreProvider"/>, unless an <see cref="ISnapshotStore"/> is registered already), a singleton
    /// <see cref="SnapshotVault"/>, <see cref="IManagerRegistry"/>, <see cref="IStatePersistence"/>, the hosted service that restores at
    /// start and saves at stop, and health checks for the store and each manager.
    /// </summary>
    public static IStateVaultBuilder AddStateVault(this IServiceCollection services, Action<StateVaultHostingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = AddCore(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    /// <summary>
    /// Adds StateVault with options bound from the <c>StateVault</c> section of <paramref name="configuration"/> (the application's
    /// configuration root). A <c>STATEVAULT_STORE</c> value (the environment variable, as host builders load every variable)
    /// overrides <c>StateVault:Store</c>. <paramref name="configure"/> runs last.
    /// </summary>
    public static IStateVaultBuilder AddStateVault(this IServiceCollection services, IConfiguration configuration, Action<StateVaultHostingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddCore(services);
        services.Configure<StateVaultHostingOptions>(configuration.GetSection(StateVaultHostingOptions.SectionName));
        services.Configure<StateVaultOwnershipOptions>(configuration.GetSection(StateVaultOwnershipOptions.SectionName));
        services.Configure<StateVaultHostingOptions>(options =>
        {
            var store = configuration[StateVaultHostingOptions.StoreEnvironmentVariable];
            if (!string.IsNullOrWhiteSpace(store))
            {
                options.Store = store;
            }
        });
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }

    private static StateVaultBuilder AddCore(IServiceCollection services)
    {
        var builder = new StateVaultBuilder(services);
        if (services.Any(d => d.ServiceType == typeof(StateVaultMarker)))
        {
            return builder;
        }

        services.AddSingleton<StateVaultMarker>();
        services.AddOptions<StateVaultHostingOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StateVaultHostingOptions>, StateVaultHostingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddMetrics();

        services.TryAddSingleton(sp => new SnapshotStoreFactory(
            sp.GetServices<ISnapshotStoreProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<SnapshotStoreFactory>().Open(sp.GetRequiredService<IOptions<StateVaultHostingOptions>>().Value.Store));
        services.TryAddSingleton(sp => new SnapshotVault(
            sp.GetRequiredService<ISnapshotStore>(),
            sp.GetRequiredService<IOptions<StateVaultHostingOptions>>().Value.ToVaultOptions(),
            sp.GetService<ILogger<SnapshotVault>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            ownsStore: false));

        services.TryAddSingleton<AutosaveCoordinator>();
        services.TryAddSingleton<IStatePersistence>(sp => sp.GetRequiredService<AutosaveCoordinator>());
        services.TryAddSingleton<ManagerRegistry>();
        services.TryAddSingleton<IManagerRegistry>(sp => sp.GetRequiredService<ManagerRegistry>());
        services.AddHostedService<StateVaultHostedService>();
        services.AddHostedService<StateRefreshService>();
        services.AddOptions<StateVaultOwnershipOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StateVaultOwnershipOptions>, StateVaultOwnershipOptionsValidator>());
        services.TryAddSingleton<OwnershipService>();
        services.TryAddSingleton<IOwnershipView>(sp => sp.GetRequiredService<OwnershipService>());
        services.AddHostedService(sp => sp.GetRequiredService<OwnershipService>());

        services.AddHealthChecks().AddCheck<StoreHealthCheck>(StateVaultHealthChecks.Store, HealthStatus.Unhealthy, [StateVaultHealthChecks.Tag, "store"]);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HealthCheckServiceOptions>, ManagerHealthCheckRegistrations>());
        return builder;
    }

    private sealed class StateVaultMarker;

    private sealed class StateVaultBuilder(IServiceCollection services) : IStateVaultBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
