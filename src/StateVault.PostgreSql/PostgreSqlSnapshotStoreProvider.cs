using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StateVault.Storage;

namespace StateVault.PostgreSql;

/// <summary>
/// Opens the PostgreSQL store for <c>postgresql://</c> and <c>postgres://</c> URIs:
/// <c>postgresql://user:password@host:port/database?schema=statevault</c>.
/// </summary>
/// <remarks>
/// User and password are percent-decoded. Query parameters: <c>schema</c> (default <c>statevault</c>), <c>sslmode</c>
/// (<c>disable</c>, <c>allow</c>, <c>prefer</c>, <c>require</c>, <c>verify-ca</c>, <c>verify-full</c>),
/// <c>connect_timeout</c> and <c>command_timeout</c> (seconds), <c>application_name</c>, and <c>host</c> (overrides the
/// host, e.g. a Unix socket folder). Several hosts may be given as <c>host1:port1,host2:port2</c>.
/// Error messages show the URI only through <see cref="SnapshotStoreFactory.Redact"/>.
/// </remarks>
public sealed class PostgreSqlSnapshotStoreProvider : ISnapshotStoreProvider
{
    /// <summary>The canonical scheme.</summary>
    public const string Scheme = "postgresql";

    /// <summary>The short scheme, as libpq accepts it.</summary>
    public const string ShortScheme = "postgres";

    private static readonly HashSet<string> s_shownParameters = new(StringComparer.Ordinal) { "schema", "sslmode", "connect_timeout", "command_timeout", "application_name", "host" };

    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = [Scheme, ShortScheme];

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The URI is malformed (the message never contains the password).</exception>
    public ISnapshotStore Open(string uri, ILoggerFactory loggerFactory, TimeProvider timeProvider) =>
        Create(ParseUri(uri), loggerFactory, timeProvider);

    /// <summary>Creates a PostgreSQL store from options. Nothing connects until the first operation.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ISnapshotStore Create(PostgreSqlSnapshotStoreOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new PostgreSqlSnapshotStore(options, loggerFactory ?? NullLoggerFactory.Instance, timeProvider ?? TimeProvider.System);
    }

    /// <summary>Maps a <c>postgresql://</c> URI to store options (an Npgsql connection string, the schema and timeouts).</summary>
    /// <exception cref="ArgumentException">The URI is malformed (the message never contains the password).</exception>
    public static PostgreSqlSnapshotStoreOptions ParseUri(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        var rest = StripScheme(uri) ?? throw Invalid(uri, "it does not start with postgresql:// or postgres://");

        string? query = null;
        var questionMark = rest.IndexOf('?', StringComparison.Ordinal);
        if (questionMark >= 0)
        {
            query = rest[(questionMark + 1)..];
            rest = rest[..questionMark];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash >= 0 ? rest[..slash] : rest;
        var database = slash >= 0 ? Decode(uri, rest[(slash + 1)..]) : "";
        if (database.Contains('/', StringComparison.Ordinal))
        {
            throw Invalid(uri, "the path must be one database name");
        }

        var builder = new NpgsqlConnectionStringBuilder();
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Decode(uri, colon >= 0 ? userInfo[..colon] : userInfo);
            if (colon >= 0)
            {
                builder.Password = Decode(uri, userInfo[(colon + 1)..]);
            }
        }

        SetHosts(uri, builder, authority);
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        var options = new PostgreSqlSnapshotStoreOptions();
        foreach (var pair in (query ?? "").Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(uri, equals >= 0 ? pair[..equals] : pair).ToLowerInvariant();
            var value = equals >= 0 ? Decode(uri, pair[(equals + 1)..]) : "";
            switch (key)
            {
                case "schema":
                    options.Schema = value;
                    break;
                case "sslmode":
                    builder.SslMode = value.ToLowerInvariant() switch
                    {
                        "disable" => SslMode.Disable,
                        "allow" => SslMode.Allow,
                        "prefer" => SslMode.Prefer,
                        "require" => SslMode.Require,
                        "verify-ca" => SslMode.VerifyCA,
                        "verify-full" => SslMode.VerifyFull,
                        _ => throw Invalid(uri, "sslmode must be disable, allow, prefer, require, verify-ca or verify-full"),
                    };
                    break;
                case "connect_timeout":
                    options.ConnectTimeout = TimeSpan.FromSeconds(Seconds(uri, key, value));
                    break;
                case "command_timeout":
                    options.CommandTimeout = TimeSpan.FromSeconds(Seconds(uri, key, value));
                    break;
                case "application_name":
                    builder.ApplicationName = value;
                    break;
                case "host":
                    SetHosts(uri, builder, value);
                    break;
                default:
                    throw Invalid(uri, $"unknown parameter '{key}' (known: schema, sslmode, connect_timeout, command_timeout, application_name, host)");
            }
        }

        if (string.IsNullOrEmpty(builder.Host))
        {
            throw Invalid(uri, "it names no host");
        }

        options.ConnectionString = builder.ConnectionString;
        var result = new PostgreSqlSnapshotStoreOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw Invalid(uri, result.FailureMessage);
        }

        return options;
    }

    private static string? StripScheme(string uri)
    {
        foreach (var scheme in new[] { Scheme, ShortScheme })
        {
            var prefix = scheme + "://";
            if (uri.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return uri[prefix.Length..];
            }
        }

        return null;
    }

    private static void SetHosts(string uri, NpgsqlConnectionStringBuilder builder, string hosts)
    {
        if (hosts.Length == 0)
        {
            return;
        }

        var list = hosts.Split(',');
        if (list.Length == 1)
        {
            var (host, port) = SplitHostPort(uri, list[0]);
            builder.Host = host;
            if (port is { } value)
            {
                builder.Port = value;
            }

            return;
        }

        // Npgsql takes several hosts with their ports in Host ("h1:5432,h2:5433") and picks one that answers.
        builder.Host = string.Join(',', list.Select(entry =>
        {
            var (host, port) = SplitHostPort(uri, entry);
            var shown = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
            return port is { } value ? $"{shown}:{value.ToString(CultureInfo.InvariantCulture)}" : shown;
        }));
    }

    private static (string Host, int? Port) SplitHostPort(string uri, string entry)
    {
        string host;
        string? port = null;
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid(uri, "an IPv6 host is missing its ']'");
            }

            host = entry[1..close];
            if (close + 1 < entry.Length)
            {
                if (entry[close + 1] != ':')
                {
                    throw Invalid(uri, "a host is followed by something other than :port");
                }

                port = entry[(close + 2)..];
            }
        }
        else
        {
            var colon = entry.LastIndexOf(':');
            host = colon >= 0 ? entry[..colon] : entry;
            port = colon >= 0 ? entry[(colon + 1)..] : null;
        }

        host = Decode(uri, host);
        if (host.Length == 0)
        {
            throw Invalid(uri, "a host is empty");
        }

        if (port is null)
        {
            return (host, null);
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            throw Invalid(uri, "the port must be a number from 1 to 65535");
        }

        return (host, number);
    }

    private static int Seconds(string uri, string key, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds >= 1
            ? seconds
            : throw Invalid(uri, $"{key} must be a whole number of seconds, at least 1");

    private static string Decode(string uri, string value)
    {
        try
        {
            return Uri.UnescapeDataString(value);
        }
        catch (UriFormatException)
        {
            throw Invalid(uri, "it contains a malformed percent-escape");
        }
    }

    private static ArgumentException Invalid(string uri, string reason) =>
        new($"Invalid PostgreSQL store URI '{RedactUri(uri)}': {reason}. Use postgresql://user:password@host:port/database?schema=name.", nameof(uri));

    /// <summary>
    /// <see cref="SnapshotStoreFactory.Redact"/>, made safe for malformed URIs too: a password holding an unescaped
    /// <c>@</c> or <c>/</c> is masked up to the last <c>@</c> (masking too much is harmless; too little is a leak).
    /// </summary>
    internal static string RedactUri(string uri)
    {
        var start = uri.IndexOf("://", StringComparison.Ordinal);
        if (start >= 0)
        {
            start += 3;
            var at = uri.LastIndexOf('@');
            var colon = at > start ? uri.IndexOf(':', start, at - start) : -1;
            if (colon >= 0)
            {
                uri = string.Concat(uri.AsSpan(0, colon + 1), "***", uri.AsSpan(at));
            }
        }

        // Values of unknown (possibly misspelled secret) parameters are masked too; the known ones help the reader.
        var query = uri.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            var pairs = uri[(query + 1)..].Split('&').Select(pair =>
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                return equals < 0 || s_shownParameters.Contains(pair[..equals].ToLowerInvariant()) ? pair : pair[..(equals + 1)] + "***";
            });
            uri = uri[..(query + 1)] + string.Join('&', pairs);
        }

        return SnapshotStoreFactory.Redact(uri);
    }
}
