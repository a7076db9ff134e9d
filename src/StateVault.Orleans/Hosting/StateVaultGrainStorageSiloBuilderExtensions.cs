using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using StateVault.Orleans;
using StateVault.Storage;

namespace Orleans.Hosting;

/// <summary>Registers StateVault grain storage providers on a silo.</summary>
public static class StateVaultGrainStorageSiloBuilderExtensions
{
    /// <summary>
    /// Adds a grain storage provider named <paramref name="name"/> on a StateVault store, e.g.
    /// <c>siloBuilder.AddStateVaultGrainStorage("grains", o => o.Store = "postgresql://…")</c>. The options are validated when the silo starts.
    /// </summary>
    public static ISiloBuilder AddStateVaultGrainStorage(this ISiloBuilder builder, string name, Action<StateVaultGrainStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddStateVaultGrainStorage(name, configureOptions);
        return builder;
    }

    /// <summary>Adds the default grain storage provider (used by <c>[PersistentState]</c> without a provider name) on a StateVault store.</summary>
    public static ISiloBuilder AddStateVaultGrainStorageAsDefault(this ISiloBuilder builder, Action<StateVaultGrainStorageOptions> configureOptions) =>
        builder.AddStateVaultGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>Adds a grain storage provider named <paramref name="name"/> on a StateVault store to a silo's services.</summary>
    public static IServiceCollection AddStateVaultGrainStorage(this IServiceCollection services, string name, Action<StateVaultGrainStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configureOptions);
        services.AddOptions<StateVaultGrainStorageOptions>(name).Configure(configureOptions).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StateVaultGrainStorageOptions>, StateVaultGrainStorageOptionsValidator>());
        return services.AddGrainStorage(name, static (sp, providerName) => new StateVaultGrainStorage(
            providerName,
            sp.GetRequiredService<IOptionsMonitor<StateVaultGrainStorageOptions>>().Get(providerName),
            sp.GetServices<ISnapshotStoreProvider>(),
            sp.GetRequiredService<IActivatorProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
    }
}
