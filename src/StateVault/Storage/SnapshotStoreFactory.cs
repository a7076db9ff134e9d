using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace StateVault.Storage;

/// <summary>Opens a store from a URI with the registered providers (the file store is always available).</summary>
public sealed class SnapshotStoreFactory
{
    /// <summary>The default store URI.</summary>
    public const string DefaultUri = "file:./data/persistent";

    private readonly Dictionary<string, ISnapshotStoreProvider> _providers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a factory.</summary>
    public SnapshotStoreFactory(IEnumerable<ISnapshotStoreProvider> providers, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
        foreach (var provider in providers.Prepend(new FileSnapshotStoreProvider()))
        {
            foreach (var scheme in provider.Schemes)
            {
                _providers[scheme] = provider;
            }
        }
    }

    /// <summary>The schemes that can be opened.</summary>
    public IReadOnlyCollection<string> Schemes => _providers.Keys;

    /// <summary>Opens the store a URI names.</summary>
    /// <exception cref="ArgumentException">The URI is malformed or its scheme has no provider.</exception>
    public ISnapshotStore Open(string uri)
    {
        var scheme = GetScheme(uri);
        if (!_providers.TryGetValue(scheme, out var provider))
        {
            throw new ArgumentException($"No store for '{scheme}:' URIs. Known: {string.Join(", ", _providers.Keys.Order().Select(s => s + ":"))}.", nameof(uri));
        }

        return provider.Open(uri, _loggerFactory, _timeProvider);
    }

    /// <summary>The scheme of a store URI, lowercase.</summary>
    /// <exception cref="ArgumentException">There is no scheme.</exception>
    public static string GetScheme(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !uri[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            throw new ArgumentException("A store URI starts with a scheme, e.g. file:./data/persistent, sqlite:./data/statevault.db, postgresql://…, s3://bucket/prefix, http://127.0.0.1:5080.", nameof(uri));
        }

        return uri[..colon].ToLowerInvariant();
    }

    /// <summary>The URI with any password or secret query value replaced by <c>***</c>, safe to log.</summary>
    public static string Redact(string uri)
    {
        if (string.IsNullOrEmpty(uri))
        {
            return uri;
        }

        var result = System.Text.RegularExpressions.Regex.Replace(uri, "(//[^/:@]+:)[^@/]*@", "$1***@");
        return System.Text.RegularExpressions.Regex.Replace(result, "((?:password|secret|key|token)[^=&]*=)[^&]*", "$1***", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
    }
}
