using System.Globalization;
using System.Text.RegularExpressions;

namespace StateVault.Retention;

/// <summary>
/// The one duration syntax of retention policies, wherever a policy is written: the CLI (<c>--keep-within</c>), the mirror
/// URI (<c>secondaryKeepWithin</c>), the HTTP API (<c>keepWithin</c>) and configuration (<c>StateVault:Retention:KeepWithin</c>).
/// </summary>
/// <remarks>
/// The syntax is a whole number with a unit, or several in a row: <c>w</c> (weeks), <c>d</c> (days), <c>h</c>, <c>m</c>,
/// <c>s</c>, e.g. <c>7d</c>, <c>12h</c>, <c>30m</c>, <c>2w</c>, <c>1d12h</c>. For compatibility with what the mirror URI, the
/// API and configuration took before, the .NET constant form <c>[d.]hh:mm:ss</c> (e.g. <c>7.00:00:00</c>) is accepted too.
/// A duration must be positive. <see cref="Format"/> writes the short form (days, hours, minutes, seconds).
/// </remarks>
public static partial class RetentionDuration
{
    /// <summary>The syntax, as error messages state it.</summary>
    public const string Syntax = "a positive duration such as 7d, 12h, 30m, 2w or 1d12h (or [d.]hh:mm:ss, e.g. 7.00:00:00)";

    /// <summary>Parses a duration in the retention syntax.</summary>
    /// <returns>Whether <paramref name="text"/> is a positive duration; <paramref name="duration"/> is zero when not.</returns>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParseExact(trimmed, "c", CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero
                || Reset(out duration);
        }

        if (!Whole().IsMatch(trimmed))
        {
            return false;
        }

        var total = TimeSpan.Zero;
        try
        {
            foreach (Match part in Part().Matches(trimmed))
            {
                var value = long.Parse(part.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture);
                total = checked(total + part.Groups[2].Value switch
                {
                    "w" => TimeSpan.FromDays(checked(7 * value)),
                    "d" => TimeSpan.FromDays(value),
                    "h" => TimeSpan.FromHours(value),
                    "m" => TimeSpan.FromMinutes(value),
                    _ => TimeSpan.FromSeconds(value),
                });
            }
        }
        catch (Exception ex) when (ex is OverflowException or ArgumentOutOfRangeException)
        {
            return false;
        }

        if (total <= TimeSpan.Zero)
        {
            return false;
        }

        duration = total;
        return true;
    }

    /// <summary>Parses a duration in the retention syntax.</summary>
    /// <exception cref="FormatException"><paramref name="text"/> is not a positive duration; the message states the syntax.</exception>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var duration)
            ? duration
            : throw new FormatException($"'{Shown(text)}' is not {Syntax}.");

    /// <summary>Writes a duration in the short syntax, e.g. <c>7d</c>, <c>1d12h</c>, <c>1m30s</c> (whole seconds).</summary>
    public static string Format(TimeSpan duration)
    {
        var parts = new System.Text.StringBuilder();
        var days = (long)duration.TotalDays;
        if (days > 0)
        {
            parts.Append(CultureInfo.InvariantCulture, $"{days}d");
        }

        if (duration.Hours > 0)
        {
            parts.Append(CultureInfo.InvariantCulture, $"{duration.Hours}h");
        }

        if (duration.Minutes > 0)
        {
            parts.Append(CultureInfo.InvariantCulture, $"{duration.Minutes}m");
        }

        if (duration.Seconds > 0 || parts.Length == 0)
        {
            parts.Append(CultureInfo.InvariantCulture, $"{duration.Seconds}s");
        }

        return parts.ToString();
    }

    private static bool Reset(out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        return false;
    }

    private static string Shown(string? text)
    {
        if (text is null)
        {
            return string.Empty;
        }

        var clipped = text.Length > 40 ? text[..40] + "…" : text;
        return string.Concat(clipped.Select(c => c is >= ' ' and <= '~' or '…' ? c.ToString() : "?"));
    }

    [GeneratedRegex(@"^(\d{1,9}[wdhms])+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Whole();

    [GeneratedRegex(@"(\d{1,9})([wdhms])", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
