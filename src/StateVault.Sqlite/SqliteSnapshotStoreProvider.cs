using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StateVault.Storage;

namespace StateVault.Sqlite;

/// <summary>Opens the SQLite store for <c>sqlite:PATH</c> URIs (<c>sqlite:./data/statevault.db</c>, <c>sqlite:/abs/file.db</c>, <c>sqlite:///abs/file.db</c>).</summary>
public sealed class SqliteSnapshotStoreProvider : ISnapshotStoreProvider
{
    /// <summary>The scheme.</summary>
    public const string Scheme = "sqlite";

    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = [Scheme];

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The URI is not a <c>sqlite:</c> URI or has no path.</exception>
    public ISnapshotStore Open(string uri, ILoggerFactory loggerFactory, TimeProvider timeProvider) =>
        Create(new SqliteSnapshotStoreOptions { DatabasePath = ParsePath(uri) }, loggerFactory, timeProvider);

    /// <summary>Creates a SQLite store from options.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ISnapshotStore Create(SqliteSnapshotStoreOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("StateVault.Sqlite.SqliteSnapshotStore");
        return new SqliteSnapshotStore(options, logger, timeProvider ?? TimeProvider.System);
    }

    /// <summary>The database file of a <c>sqlite:</c> URI.</summary>
    /// <exception cref="ArgumentException">The URI is not a <c>sqlite:</c> URI or has no path.</exception>
    public static string ParsePath(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        if (!uri.StartsWith(Scheme + ":", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("Not a SQLite store URI. Use sqlite:PATH, e.g. sqlite:./data/statevault.db.", nameof(uri));
        }

        var path = uri[(Scheme.Length + 1)..];
        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || (parsed.Host.Length > 0 && !parsed.IsLoopback))
            {
                throw new ArgumentException("A sqlite:// URI names a local file: sqlite:///absolute/path.db (no host).", nameof(uri));
            }

            path = Uri.UnescapeDataString(parsed.AbsolutePath);
        }

        if (string.IsNullOrWhiteSpace(path) || path.EndsWith('/') || path.EndsWith('\\'))
        {
            throw new ArgumentException("The SQLite store URI names no database file. Use sqlite:PATH, e.g. sqlite:./data/statevault.db.", nameof(uri));
        }

        return path;
    }
}
