using System.Globalization;
using StateVault.Retention;

namespace StateVault.Cli.Output;

/// <summary>A retention policy in the words of the prune options, e.g. <c>keep-last 5, keep-within 7d</c>.</summary>
internal static class PolicyText
{
    public static string Describe(RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.IsEmpty)
        {
            return "keep everything";
        }

        var parts = new List<string>();
        Add(parts, "keep-last", policy.KeepLast);
        Add(parts, "keep-hourly", policy.KeepHourly);
        Add(parts, "keep-daily", policy.KeepDaily);
        Add(parts, "keep-weekly", policy.KeepWeekly);
        Add(parts, "keep-monthly", policy.KeepMonthly);
        if (policy.KeepWithin is { } within)
        {
            parts.Add($"keep-within {RetentionDuration.Format(within)}");
        }

        parts.AddRange(policy.KeepTags.Select(t => $"keep-tag {t}"));
        return string.Join(", ", parts);
    }

    private static void Add(List<string> parts, string name, int? value)
    {
        if (value is { } v)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {v}"));
        }
    }
}
