using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StateVault.PostgreSql;
using StateVault.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL store.</summary>
public static class PostgreSqlSnapshotStoreServiceCollectionExtensions
{
    /// <summary>Makes <c>postgresql://</c> and <c>postgres://</c> store URIs openable (registers <see cref="PostgreSqlSnapshotStoreProvider"/> as an <see cref="ISnapshotStoreProvider"/>).</summary>
    public static IServiceCollection AddPostgreSqlSnapshotStoreProvider(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotStoreProvider, PostgreSqlSnapshotStoreProvider>());
        return services;
    }

    /// <summary>
    /// Uses PostgreSQL as the <see cref="ISnapshotStore"/> of this application, configured with typed options that are
    /// validated when the host starts. Also registers the provider for <c>postgresql://</c> URIs.
    /// </summary>
    /// <remarks>The store is a singleton, disposed with the service provider; this registration replaces an earlier <see cref="ISnapshotStore"/>.</remarks>
    public static IServiceCollection AddPostgreSqlSnapshotStore(this IServiceCollection services, Action<PostgreSqlSnapshotStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddPostgreSqlSnapshotStoreProvider();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlSnapshotStoreOptions>, PostgreSqlSnapshotStoreOptionsValidator>());
        services.AddOptions<PostgreSqlSnapshotStoreOptions>().Configure(configure).ValidateOnStart();
        services.Replace(ServiceDescriptor.Singleton<ISnapshotStore>(sp => PostgreSqlSnapshotStoreProvider.Create(
            sp.GetRequiredService<IOptions<PostgreSqlSnapshotStoreOptions>>().Value,
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            sp.GetService<TimeProvider>() ?? TimeProvider.System)));
        return services;
    }
}
