using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StateVault.Sqlite;
using StateVault.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite store.</summary>
public static class SqliteSnapshotStoreServiceCollectionExtensions
{
    /// <summary>Makes <c>sqlite:</c> store URIs openable (registers <see cref="SqliteSnapshotStoreProvider"/> as an <see cref="ISnapshotStoreProvider"/>).</summary>
    public static IServiceCollection AddSqliteSnapshotStoreProvider(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotStoreProvider, SqliteSnapshotStoreProvider>());
        return services;
    }

    /// <summary>
    /// Uses a SQLite file as the <see cref="ISnapshotStore"/> of this application, configured with typed options that are
    /// validated when the host starts. Also registers the provider for <c>sqlite:</c> URIs.
    /// </summary>
    /// <remarks>The store is a singleton, disposed with the service provider; this registration replaces an earlier <see cref="ISnapshotStore"/>.</remarks>
    public static IServiceCollection AddSqliteSnapshotStore(this IServiceCollection services, Action<SqliteSnapshotStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSqliteSnapshotStoreProvider();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteSnapshotStoreOptions>, SqliteSnapshotStoreOptionsValidator>());
        services.AddOptions<SqliteSnapshotStoreOptions>().Configure(configure).ValidateOnStart();
        services.Replace(ServiceDescriptor.Singleton<ISnapshotStore>(sp => SqliteSnapshotStoreProvider.Create(
            sp.GetRequiredService<IOptions<SqliteSnapshotStoreOptions>>().Value,
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            sp.GetService<TimeProvider>() ?? TimeProvider.System)));
        return services;
    }
}
