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

    /// <summary>Keep every snapshot created within this duration of the newest one.</summary>
    public TimeSpan? KeepWithin { get; set; }

    /// <summary>Keep every snapshot with any of these tags.</summary>
    public List<string> KeepTags { get; set; } = [];

    /// <summary>The engine policy.</summary>
    public RetentionPolicy ToPolicy()
    {
        var policy = new RetentionPolicy
        {
            KeepLast = KeepLast,
            KeepHourly = KeepHourly,
            KeepDaily = KeepDaily,
            KeepWeekly = KeepWeekly,
            KeepMonthly = KeepMonthly,
            KeepWithin = KeepWithin,
            KeepTags = [.. KeepTags],
        };
        policy.Validate();
        return policy;
    }
}
