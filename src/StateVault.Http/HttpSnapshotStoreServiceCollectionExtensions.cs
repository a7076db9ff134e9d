using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StateVault.Http;
using StateVault.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>http://</c> / <c>https://</c> store provider.</summary>
public static class HttpSnapshotStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="HttpSnapshotStoreProvider"/> so store URIs <c>http://…</c> and <c>https://…</c> open a store
    /// on a running StateVault server; options are validated on start.
    /// </summary>
    public static IServiceCollection AddHttpSnapshotStore(this IServiceCollection services, Action<HttpSnapshotStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<HttpSnapshotStoreOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpSnapshotStoreOptions>, HttpSnapshotStoreOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotStoreProvider, HttpSnapshotStoreProvider>());
        return services;
    }
}
