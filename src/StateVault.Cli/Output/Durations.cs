using System.Globalization;
using System.Text.RegularExpressions;

namespace StateVault.Cli.Output;

/// <summary>Durations as the CLI writes them: <c>7d</c>, <c>12h</c>, <c>30m</c>, <c>45s</c>, <c>2w</c>, or combinations such as <c>1d12h</c>.</summary>
internal static partial class Durations
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text) || !Whole().IsMatch(text))
        {
            return false;
        }

        try
        {
            foreach (Match part in Part().Matches(text))
            {
                var value = long.Parse(part.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture);
                duration += part.Groups[2].Value switch
                {
                    "w" => TimeSpan.FromDays(7 * value),
                    "d" => TimeSpan.FromDays(value),
                    "h" => TimeSpan.FromHours(value),
                    "m" => TimeSpan.FromMinutes(value),
                    _ => TimeSpan.FromSeconds(value),
                };
            }
        }
        catch (Exception ex) when (ex is OverflowException or ArgumentOutOfRangeException)
        {
            return false;
        }

        return duration > TimeSpan.Zero;
    }

    public static string Format(TimeSpan duration)
    {
        var parts = new List<string>();
        var rest = duration;
        if (rest.Days > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rest.Days}d"));
        }

        if (rest.Hours > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rest.Hours}h"));
        }

        if (rest.Minutes > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rest.Minutes}m"));
        }

        if (rest.Seconds > 0 || parts.Count == 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{rest.Seconds}s"));
        }

        return string.Concat(parts);
    }

    [GeneratedRegex(@"^(\d{1,9}[wdhms])+\z", RegexOptions.CultureInvariant)]
    private static partial Regex Whole();

    [GeneratedRegex(@"(\d{1,9})([wdhms])", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
