using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StateVault.Storage;

namespace StateVault.Http;

/// <summary>
/// Opens stores on a running StateVault server for <c>http://HOST:PORT</c> and <c>https://HOST:PORT</c> URIs
/// (a path prefix is kept, for servers behind a reverse proxy). The API key comes from
/// <see cref="HttpSnapshotStoreOptions.ApiKey"/> or the <c>STATEVAULT_API_KEY</c> environment variable, never from the URI.
/// </summary>
public sealed class HttpSnapshotStoreProvider : ISnapshotStoreProvider
{
    private readonly HttpSnapshotStoreOptions _options;

    /// <summary>Creates a provider with default options (key from <c>STATEVAULT_API_KEY</c>).</summary>
    public HttpSnapshotStoreProvider()
        : this(Options.Create(new HttpSnapshotStoreOptions()))
    {
    }

    /// <summary>Creates a provider with configured options.</summary>
    public HttpSnapshotStoreProvider(IOptions<HttpSnapshotStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = ["http", "https"];

    /// <inheritdoc />
    public ISnapshotStore Open(string uri, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var options = new HttpSnapshotStoreOptions
        {
            BaseAddress = ParseBaseAddress(uri),
            ApiKey = _options.ApiKey,
            RequestTimeout = _options.RequestTimeout,
            MaxAppendAttempts = _options.MaxAppendAttempts,
        };
        return Create(options, loggerFactory);
    }

    /// <summary>Creates a store directly from options; the API key falls back to <c>STATEVAULT_API_KEY</c>.</summary>
    /// <exception cref="ArgumentException">The options are invalid (no base address, bad timeout, …).</exception>
    public static ISnapshotStore Create(HttpSnapshotStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var effective = new HttpSnapshotStoreOptions
        {
            BaseAddress = options.BaseAddress ?? throw new ArgumentException("BaseAddress is required.", nameof(options)),
            ApiKey = options.ApiKey ?? NullIfEmpty(Environment.GetEnvironmentVariable(HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable)),
            RequestTimeout = options.RequestTimeout,
            MaxAppendAttempts = options.MaxAppendAttempts,
        };
        var result = new HttpSnapshotStoreOptionsValidator().Validate(null, effective);
        if (result.Failed)
        {
            throw new ArgumentException(result.FailureMessage, nameof(options));
        }

        return new HttpSnapshotStore(effective, (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<HttpSnapshotStore>());
    }

    /// <summary>The server address of an <c>http://</c> or <c>https://</c> store URI, ending in <c>/</c>.</summary>
    /// <exception cref="ArgumentException">Not an absolute http(s) URI, or it carries credentials, a query or a fragment.</exception>
    public static Uri ParseBaseAddress(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || parsed.Host.Length == 0)
        {
            throw new ArgumentException($"Not a server store URI: '{SnapshotStoreFactory.Redact(uri)}'. Use http://HOST:PORT, e.g. http://127.0.0.1:5080.", nameof(uri));
        }

        if (parsed.UserInfo.Length > 0)
        {
            // Never echo it: the user part may be a key or password.
            throw new ArgumentException($"A server store URI carries no credentials; set the key in {HttpSnapshotStoreOptions.ApiKeyEnvironmentVariable} instead.", nameof(uri));
        }

        if (parsed.Query.Length > 0 || parsed.Fragment.Length > 0)
        {
            throw new ArgumentException("A server store URI has no query or fragment. Use http://HOST:PORT[/prefix].", nameof(uri));
        }

        var path = parsed.AbsolutePath.EndsWith('/') ? parsed.AbsolutePath : parsed.AbsolutePath + "/";
        return new UriBuilder(parsed.Scheme, parsed.Host, parsed.Port, path).Uri;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
