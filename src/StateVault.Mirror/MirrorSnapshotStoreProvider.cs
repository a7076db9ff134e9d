using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using StateVault.Retention;
using StateVault.Storage;

namespace StateVault.Mirror;

/// <summary>
/// Opens a <see cref="MirrorSnapshotStore"/> for <c>mirror:</c> URIs. Each side is opened by URI with the other providers.
/// </summary>
/// <remarks>
/// <para>Form: <c>mirror:?primary=URI&amp;secondary=URI[&amp;OPTION=VALUE…]</c>, where both store URIs are percent-encoded
/// (they contain <c>:</c>, <c>?</c> and <c>&amp;</c> themselves; <see cref="FormatUri"/> builds one). Options, all optional:</para>
/// <list type="table">
/// <item><term><c>secondaryKeepLast</c>, <c>secondaryKeepHourly</c>, <c>secondaryKeepDaily</c>, <c>secondaryKeepWeekly</c>, <c>secondaryKeepMonthly</c></term>
/// <description>counts of the secondary's <see cref="RetentionPolicy"/> (default: keep everything);</description></item>
/// <item><term><c>secondaryKeepWithin</c></term><description>a duration in the retention syntax (<see cref="RetentionDuration"/>), e.g. <c>30d</c> (<c>30.00:00:00</c> is accepted too);</description></item>
/// <item><term><c>secondaryKeepTags</c></term><description>comma-separated tags;</description></item>
/// <item><term><c>catchUpInterval</c></term><description>a duration in the same syntax, e.g. <c>5m</c> (default 5 minutes);</description></item>
/// <item><term><c>catchUpOnStart</c></term><description><c>true</c> or <c>false</c> (default <c>true</c>).</description></item>
/// </list>
/// <para>Example, the folder mirrored to S3 keeping one snapshot a day for 30 days off-site:
/// <c>mirror:?primary=file%3A.%2Fdata%2Fpersistent&amp;secondary=s3%3A%2F%2Fbackups%2Fstatevault%3Fregion%3Deu-west-1&amp;secondaryKeepDaily=30</c>.</para>
/// <para>A mirror's side cannot itself be a mirror. Error messages never repeat a side's URI (it may hold a password).</para>
/// </remarks>
public sealed class MirrorSnapshotStoreProvider : ISnapshotStoreProvider
{
    /// <summary>The scheme.</summary>
    public const string Scheme = "mirror";

    private static readonly string[] s_parameters =
    [
        "primary", "secondary", "secondaryKeepLast", "secondaryKeepHourly", "secondaryKeepDaily", "secondaryKeepWeekly",
        "secondaryKeepMonthly", "secondaryKeepWithin", "secondaryKeepTags", "catchUpInterval", "catchUpOnStart",
    ];

    private readonly IEnumerable<ISnapshotStoreProvider> _providers;

    /// <summary>Creates a provider whose sides can only be <c>file:</c> stores (the engine's own).</summary>
    public MirrorSnapshotStoreProvider()
        : this([])
    {
    }

    /// <summary>Creates a provider that opens each side with <paramref name="providers"/> (plus the file store).</summary>
    /// <param name="providers">The other stores' providers. Enumerated at each <see cref="Open(string, ILoggerFactory, TimeProvider)"/>, so it may be a lazy view of DI registrations; mirror providers in it are ignored.</param>
    public MirrorSnapshotStoreProvider(IEnumerable<ISnapshotStoreProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _providers = providers;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Schemes { get; } = [Scheme];

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The URI is malformed or a side's scheme has no provider.</exception>
    public ISnapshotStore Open(string uri, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var options = Parse(uri);
        var factory = new SnapshotStoreFactory(_providers.Where(p => p is not MirrorSnapshotStoreProvider), loggerFactory, timeProvider);
        return Open(options, factory, loggerFactory, timeProvider);
    }

    /// <summary>Opens both sides of <paramref name="options"/> with <paramref name="factory"/> and returns the mirror, which owns them.</summary>
    /// <param name="options">The options, with both store URIs.</param>
    /// <param name="factory">Opens each side.</param>
    /// <param name="loggerFactory">Loggers.</param>
    /// <param name="timeProvider">Clock of the catch-up timer.</param>
    /// <param name="meterFactory">Source of the <c>StateVault</c> meter; <see langword="null"/> for an own meter.</param>
    /// <exception cref="ArgumentException">The options are invalid or a side's scheme has no provider.</exception>
    public static MirrorSnapshotStore Open(MirrorSnapshotStoreOptions options, SnapshotStoreFactory factory, ILoggerFactory loggerFactory, TimeProvider timeProvider, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        MirrorSnapshotStoreOptionsValidator.ThrowIfInvalid(options, requireUris: true);
        var primary = factory.Open(options.Primary);
        ISnapshotStore secondary;
        try
        {
            secondary = factory.Open(options.Secondary);
        }
        catch
        {
            primary.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return new MirrorSnapshotStore(primary, secondary, options, loggerFactory.CreateLogger<MirrorSnapshotStore>(), timeProvider, ownsStores: true, meterFactory);
    }

    /// <summary>Builds a <c>mirror:</c> URI with both sides percent-encoded.</summary>
    public static string FormatUri(string primary, string secondary, RetentionPolicy? secondaryRetention = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(primary);
        ArgumentException.ThrowIfNullOrWhiteSpace(secondary);
        var builder = new StringBuilder($"{Scheme}:?primary={Uri.EscapeDataString(primary)}&secondary={Uri.EscapeDataString(secondary)}");
        if (secondaryRetention is { } policy)
        {
            void Add(string name, int? value)
            {
                if (value is { } v)
                {
                    builder.Append(CultureInfo.InvariantCulture, $"&{name}={v}");
                }
            }

            Add("secondaryKeepLast", policy.KeepLast);
            Add("secondaryKeepHourly", policy.KeepHourly);
            Add("secondaryKeepDaily", policy.KeepDaily);
            Add("secondaryKeepWeekly", policy.KeepWeekly);
            Add("secondaryKeepMonthly", policy.KeepMonthly);
            if (policy.KeepWithin is { } within)
            {
                builder.Append("&secondaryKeepWithin=").Append(Uri.EscapeDataString(RetentionDuration.Format(within)));
            }

            if (policy.KeepTags.Count > 0)
            {
                builder.Append("&secondaryKeepTags=").Append(Uri.EscapeDataString(string.Join(',', policy.KeepTags)));
            }
        }

        return builder.ToString();
    }

    /// <summary>Parses a <c>mirror:</c> URI into validated options.</summary>
    /// <exception cref="ArgumentException">The URI is malformed; the message never repeats a side's URI.</exception>
    public static MirrorSnapshotStoreOptions Parse(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        if (!uri.StartsWith(Scheme + ":", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("Not a mirror store URI. Use mirror:?primary=<percent-encoded URI>&secondary=<percent-encoded URI>.", nameof(uri));
        }

        var query = uri[(Scheme.Length + 1)..].TrimStart('?');
        var options = new MirrorSnapshotStoreOptions();
        int? keepLast = null, keepHourly = null, keepDaily = null, keepWeekly = null, keepMonthly = null;
        TimeSpan? keepWithin = null;
        IReadOnlyList<string> keepTags = [];
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var rawName = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            var name = s_parameters.FirstOrDefault(p => string.Equals(p, rawName, StringComparison.OrdinalIgnoreCase));
            switch (name)
            {
                case null:
                    var shown = rawName.Length > 32 ? rawName[..32] + "…" : rawName;
                    throw new ArgumentException(
                        $"Unknown mirror URI parameter '{shown}'. Known: {string.Join(", ", s_parameters)}. Percent-encode the primary and secondary URIs (their own '&' and '?' otherwise split the mirror's).",
                        nameof(uri));
                case "primary":
                    options.Primary = value;
                    break;
                case "secondary":
                    options.Secondary = value;
                    break;
                case "secondaryKeepLast":
                    keepLast = ParseCount(name, value);
                    break;
                case "secondaryKeepHourly":
                    keepHourly = ParseCount(name, value);
                    break;
                case "secondaryKeepDaily":
                    keepDaily = ParseCount(name, value);
                    break;
                case "secondaryKeepWeekly":
                    keepWeekly = ParseCount(name, value);
                    break;
                case "secondaryKeepMonthly":
                    keepMonthly = ParseCount(name, value);
                    break;
                case "secondaryKeepWithin":
                    keepWithin = ParseDuration(name, value);
                    break;
                case "secondaryKeepTags":
                    keepTags = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "catchUpInterval":
                    options.CatchUpInterval = ParseDuration(name, value);
                    break;
                default:
                    options.CatchUpOnStart = value.ToLowerInvariant() switch
                    {
                        "true" or "1" => true,
                        "false" or "0" => false,
                        _ => throw new ArgumentException("catchUpOnStart must be true or false.", nameof(uri)),
                    };
                    break;
            }
        }

        options.SecondaryRetention = new RetentionPolicy
        {
            KeepLast = keepLast,
            KeepHourly = keepHourly,
            KeepDaily = keepDaily,
            KeepWeekly = keepWeekly,
            KeepMonthly = keepMonthly,
            KeepWithin = keepWithin,
            KeepTags = keepTags,
        };
        var failures = MirrorSnapshotStoreOptionsValidator.GetFailures(options, requireUris: true);
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid mirror store URI: " + string.Join(" ", failures), nameof(uri));
        }

        return options;
    }

    private static int ParseCount(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1
            ? count
            : throw new ArgumentException($"{name} must be a whole number of 1 or more.", nameof(value));

    // The engine's one duration syntax (7d, 12h, 30m …; [d.]hh:mm:ss still accepted), as in the CLI, the API and configuration.
    private static TimeSpan ParseDuration(string name, string value) =>
        RetentionDuration.TryParse(value, out var duration)
            ? duration
            : throw new ArgumentException($"{name} must be {RetentionDuration.Syntax}.", nameof(value));
}
