using StateVault.Retention;

namespace StateVault.Hosting;

/// <summary>A retention policy in configuration form (see <see cref="RetentionPolicy"/>; rules combine as a union).</summary>
public sealed class StateVaultRetentionOptions
{
    /// <summary>Keep the newest N snapshots.</summary>
    /// <value>5, as the original system.</value>
    public int? KeepLast { get; set; } = 5;

    /// <summary>Keep the newest snapshot of each of the newest N hours.</summary>
    public int? KeepHourly { get; set; }

    /// <summary>Keep the newest snapshot of each of the newest N days.</summary>
    public int? KeepDaily { get; set; }

    /// <summary>Keep the newest snapshot of each of the newest N weeks.</summary>
    public int? KeepWeekly { get; set; }

    /// <summary>Keep the newest snapshot of each of the newest N months.</summary>
    public int? KeepMonthly { get; set; }

    /// <summary>
    /// Keep every snapshot created within this duration of the newest one, in the one retention syntax
    /// (<see cref="RetentionDuration"/>): <c>7d</c>, <c>12h</c>, <c>30m</c>, <c>2w</c>, <c>1d12h</c>; <c>7.00:00:00</c> is accepted too.
    /// </summary>
    public string? KeepWithin { get; set; }

    /// <summary>Keep every snapshot with any of these tags.</summary>
    public List<string> KeepTags { get; set; } = [];

    /// <summary>The engine policy.</summary>
    /// <exception cref="ArgumentException">A count below 1, or <see cref="KeepWithin"/> not a positive duration.</exception>
    public RetentionPolicy ToPolicy()
    {
        TimeSpan? keepWithin = null;
        if (!string.IsNullOrWhiteSpace(KeepWithin))
        {
            keepWithin = RetentionDuration.TryParse(KeepWithin, out var within)
                ? within
                : throw new ArgumentException($"KeepWithin '{KeepWithin}' is not {RetentionDuration.Syntax}.");
        }

        var policy = new RetentionPolicy
        {
            KeepLast = KeepLast,
            KeepHourly = KeepHourly,
            KeepDaily = KeepDaily,
            KeepWeekly = KeepWeekly,
            KeepMonthly = KeepMonthly,
            KeepWithin = keepWithin,
            KeepTags = [.. KeepTags],
        };
        policy.Validate();
        return policy;
    }
}
