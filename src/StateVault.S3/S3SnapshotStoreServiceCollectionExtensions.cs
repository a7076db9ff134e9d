using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StateVault.S3;
using StateVault.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the S3-compatible snapshot store.</summary>
public static class S3SnapshotStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="S3SnapshotStoreProvider"/> as an <see cref="ISnapshotStoreProvider"/>, so <c>s3://</c> store URIs
    /// can be opened (CLI <c>--store</c>, config <c>StateVault:Store</c>).
    /// </summary>
    public static IServiceCollection AddS3SnapshotStoreProvider(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotStoreProvider, S3SnapshotStoreProvider>());
        return services;
    }

    /// <summary>
    /// Registers the provider, <see cref="S3SnapshotStoreOptions"/> (validated at start) and an <see cref="ISnapshotStore"/>
    /// singleton on S3, unless an <see cref="ISnapshotStore"/> is already registered.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options, e.g. bucket, prefix and endpoint.</param>
    /// <returns>The options builder, for more configuration (e.g. <c>BindConfiguration</c>).</returns>
    public static OptionsBuilder<S3SnapshotStoreOptions> AddS3SnapshotStore(this IServiceCollection services, Action<S3SnapshotStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddS3SnapshotStoreProvider();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<S3SnapshotStoreOptions>, S3SnapshotStoreOptionsValidator>());
        services.TryAddSingleton<ISnapshotStore>(sp => S3SnapshotStoreProvider.Create(
            sp.GetRequiredService<IOptions<S3SnapshotStoreOptions>>().Value,
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        var builder = services.AddOptions<S3SnapshotStoreOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return builder.ValidateOnStart();
    }

    /// <summary>Registers the S3 store from a store URI (<c>s3://bucket/prefix?endpoint=…&amp;region=…</c>).</summary>
    /// <exception cref="ArgumentException">The URI is malformed (message never contains a credential).</exception>
    public static OptionsBuilder<S3SnapshotStoreOptions> AddS3SnapshotStore(this IServiceCollection services, string uri)
    {
        var parsed = S3SnapshotStoreProvider.Parse(uri);
        return services.AddS3SnapshotStore(options =>
        {
            options.BucketName = parsed.BucketName;
            options.Prefix = parsed.Prefix;
            options.ServiceUrl = parsed.ServiceUrl;
            options.Region = parsed.Region;
            options.ForcePathStyle = parsed.ForcePathStyle;
            options.ConditionalWrites = parsed.ConditionalWrites;
        });
    }
}
