using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StateVault.Mirror;
using StateVault.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the mirroring store.</summary>
public static class MirrorSnapshotStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MirrorSnapshotStoreProvider"/> as an <see cref="ISnapshotStoreProvider"/> for <c>mirror:</c> URIs.
    /// Its sides are opened with the other registered providers, looked up when a mirror is opened, so the order of
    /// registration does not matter.
    /// </summary>
    public static IServiceCollection AddMirrorSnapshotStoreProvider(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotStoreProvider, MirrorSnapshotStoreProvider>(
            sp => new MirrorSnapshotStoreProvider(OtherProviders(sp))));
        return services;
    }

    /// <summary>
    /// Registers the provider, <see cref="MirrorSnapshotStoreOptions"/> (validated at start), a <see cref="MirrorSnapshotStore"/>
    /// singleton over <see cref="MirrorSnapshotStoreOptions.Primary"/> and <see cref="MirrorSnapshotStoreOptions.Secondary"/>
    /// (opened with the registered providers), and that mirror as the <see cref="ISnapshotStore"/> unless one is already registered.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the two store URIs, the secondary's retention and the catch-up interval.</param>
    /// <returns>The options builder, for more configuration (e.g. <c>BindConfiguration</c>).</returns>
    public static OptionsBuilder<MirrorSnapshotStoreOptions> AddMirrorSnapshotStore(this IServiceCollection services, Action<MirrorSnapshotStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMirrorSnapshotStoreProvider();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MirrorSnapshotStoreOptions>, MirrorSnapshotStoreOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var loggerFactory = sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
            var time = sp.GetService<TimeProvider>() ?? TimeProvider.System;
            var factory = new SnapshotStoreFactory(OtherProviders(sp), loggerFactory, time);
            return MirrorSnapshotStoreProvider.Open(sp.GetRequiredService<IOptions<MirrorSnapshotStoreOptions>>().Value, factory, loggerFactory, time, sp.GetService<IMeterFactory>());
        });
        services.TryAddSingleton<ISnapshotStore>(sp => sp.GetRequiredService<MirrorSnapshotStore>());
        var builder = services.AddOptions<MirrorSnapshotStoreOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return builder.ValidateOnStart();
    }

    // Resolved lazily: the mirror provider is itself one of the registered providers, so resolving the list in its
    // constructor would be a circular dependency.
    private static IEnumerable<ISnapshotStoreProvider> OtherProviders(IServiceProvider services)
    {
        foreach (var provider in services.GetServices<ISnapshotStoreProvider>())
        {
            if (provider is not MirrorSnapshotStoreProvider)
            {
                yield return provider;
            }
        }
    }
}
