namespace StateVault.Retention;

/// <summary>
/// Which snapshots to keep. Rules combine as a union, as in restic: a snapshot is kept when any rule keeps it.
/// Only verified snapshots count toward a rule, and the newest valid snapshot is always kept.
/// A policy with no rule keeps everything.
/// </summary>
public sealed record RetentionPolicy
{
    /// <summary>The default policy of the original system: keep the newest five.</summary>
    public static RetentionPolicy Default { get; } = new() { KeepLast = 5 };

    /// <summary>A policy that keeps every snapshot.</summary>
    public static RetentionPolicy KeepAll { get; } = new();

    /// <summary>Keep the newest N snapshots.</summary>
    public int? KeepLast { get; init; }

    /// <summary>Keep the newest snapshot of each of the newest N hours (UTC) that have one.</summary>
    public int? KeepHourly { get; init; }

    /// <summary>Keep the newest snapshot of each of the newest N days (UTC).</summary>
    public int? KeepDaily { get; init; }

    /// <summary>Keep the newest snapshot of each of the newest N ISO weeks (UTC).</summary>
    public int? KeepWeekly { get; init; }

    /// <summary>Keep the newest snapshot of each of the newest N months (UTC).</summary>
    public int? KeepMonthly { get; init; }

    /// <summary>Keep every snapshot created within this duration of the newest snapshot.</summary>
    public TimeSpan? KeepWithin { get; init; }

    /// <summary>Keep every snapshot carrying any of these tags.</summary>
    public IReadOnlyList<string> KeepTags { get; init; } = [];

    /// <summary>Whether the policy has no rule (and so keeps everything).</summary>
    public bool IsEmpty =>
        KeepLast is null && KeepHourly is null && KeepDaily is null && KeepWeekly is null && KeepMonthly is null
        && KeepWithin is null && KeepTags.Count == 0;

    /// <summary>Throws <see cref="ArgumentException"/> when a count is below 1 or a duration is not positive.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new[] { ("KeepLast", KeepLast), ("KeepHourly", KeepHourly), ("KeepDaily", KeepDaily), ("KeepWeekly", KeepWeekly), ("KeepMonthly", KeepMonthly) })
        {
            if (value is < 1)
            {
                throw new ArgumentException($"{name} must be 1 or more (got {value}).");
            }
        }

        if (KeepWithin is { } within && within <= TimeSpan.Zero)
        {
            throw new ArgumentException($"KeepWithin must be a positive duration (got {within}).");
        }
    }
}
