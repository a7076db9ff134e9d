using Amazon.S3;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StateVault.Storage;

namespace StateVault.S3;

/// <summary>
/// Opens the S3-compatible store for <c>s3://</c> URIs:
/// <c>s3://BUCKET[/PREFIX][?endpoint=URL&amp;region=REGION&amp;conditional=auto|required|off&amp;forcePathStyle=true|false]</c>,
/// e.g. <c>s3://statevault/prod?endpoint=http://127.0.0.1:4569&amp;region=us-east-1</c>.
/// </summary>
/// <remarks>
/// Credentials never go in the URI (one carrying user information or a secret-looking parameter is rejected without
/// echoing it); they come from the standard AWS chain: <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>, a profile,
/// or a container or instance role. Query values may be percent-encoded; parameter names are case-insensitive.
/// </remarks>
public sealed class S3SnapshotStoreProvider : ISnapshotStoreProvider
{
    /// <summary>The scheme.</summary>
    public const string Scheme = "s3";

    private static readonly string[] s_parameters = ["endpoint", "region", "conditional", "forcePathStyle"];
    private static readonly string[] s_secretWords = ["secret", "key", "password", "token", "credential", "signature"];

    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = [Scheme];

    /// <inheritdoc />
    public ISnapshotStore Open(string uri, ILoggerFactory loggerFactory, TimeProvider timeProvider) =>
        Create(Parse(uri), loggerFactory);

    /// <summary>Creates an S3 store directly from options (validated here).</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ISnapshotStore Create(S3SnapshotStoreOptions options, ILoggerFactory? loggerFactory = null) =>
        new S3SnapshotStore(options, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("StateVault.S3"));

    /// <summary>Creates an S3 store over a client the caller configured and keeps owning (e.g. one shared by the application).</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ISnapshotStore Create(S3SnapshotStoreOptions options, IAmazonS3 client, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new S3SnapshotStore(options, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("StateVault.S3"), client);
    }

    /// <summary>Parses an <c>s3://</c> URI into validated options.</summary>
    /// <exception cref="ArgumentException">The URI is malformed, names an unknown parameter, or carries credentials (never echoed).</exception>
    public static S3SnapshotStoreOptions Parse(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        const string Start = Scheme + "://";
        if (!uri.StartsWith(Start, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("Not an S3 store URI. Use s3://bucket/prefix?endpoint=http://host:port&region=us-east-1.", nameof(uri));
        }

        var rest = uri[Start.Length..];
        var question = rest.IndexOf('?', StringComparison.Ordinal);
        var location = question < 0 ? rest : rest[..question];
        var query = question < 0 ? string.Empty : rest[(question + 1)..];
        var slash = location.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? location : location[..slash];
        var prefix = slash < 0 ? string.Empty : Uri.UnescapeDataString(location[(slash + 1)..]);
        if (bucket.Contains('@', StringComparison.Ordinal) || bucket.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("The S3 store URI must not contain credentials or a port before the bucket; put the server in endpoint= and credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.", nameof(uri));
        }

        if (bucket.Length == 0)
        {
            throw new ArgumentException("The S3 store URI names no bucket. Use s3://bucket/prefix.", nameof(uri));
        }

        var options = new S3SnapshotStoreOptions { BucketName = bucket, Prefix = prefix };
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            ApplyParameter(options, name, value);
        }

        var failures = S3SnapshotStoreOptionsValidator.GetFailures(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid S3 store URI: " + string.Join(" ", failures), nameof(uri));
        }

        return options;
    }

    private static void ApplyParameter(S3SnapshotStoreOptions options, string name, string value)
    {
        var known = s_parameters.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));
        if (known is null)
        {
            if (s_secretWords.Any(word => name.Contains(word, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException("Credentials never go in the S3 store URI; use the AWS credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or a role).", nameof(name));
            }

            var shown = name.Length > 32 ? name[..32] + "…" : name;
            throw new ArgumentException($"Unknown S3 store URI parameter '{shown}'. Known: {string.Join(", ", s_parameters)}.", nameof(name));
        }

        switch (known)
        {
            case "endpoint":
                if (!Uri.TryCreate(value, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
                {
                    throw new ArgumentException("The endpoint parameter must be an absolute http:// or https:// URL, e.g. endpoint=http://127.0.0.1:4569.", nameof(value));
                }

                if (!string.IsNullOrEmpty(endpoint.UserInfo))
                {
                    throw new ArgumentException("The endpoint must not contain credentials; use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.", nameof(value));
                }

                options.ServiceUrl = endpoint;
                break;
            case "region":
                options.Region = value;
                break;
            case "conditional":
                options.ConditionalWrites = value.ToLowerInvariant() switch
                {
                    "auto" => S3ConditionalWrites.Auto,
                    "required" or "on" or "true" => S3ConditionalWrites.Required,
                    "off" or "disabled" or "false" => S3ConditionalWrites.Disabled,
                    _ => throw new ArgumentException("conditional must be auto, required or off.", nameof(value)),
                };
                break;
            default:
                options.ForcePathStyle = value.ToLowerInvariant() switch
                {
                    "true" or "1" => true,
                    "false" or "0" => false,
                    _ => throw new ArgumentException("forcePathStyle must be true or false.", nameof(value)),
                };
                break;
        }
    }
}
