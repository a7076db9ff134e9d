namespace StateVault.Hosting;

/// <summary>How one system stands with the store.</summary>
/// <param name="System">The system.</param>
/// <param name="Dirty">Whether the live state has changes not yet acknowledged by the store.</param>
/// <param name="Pending">Whether a save failed and a captured copy of the newest state waits to be retried.</param>
/// <param name="PendingSinceUtc">When the first failed save of the pending state happened.</param>
/// <param name="ConsecutiveFailures">Failed save attempts since the last success.</param>
/// <param name="LastError">The last failure (type and message; never a state value).</param>
/// <param name="LastSavedSequence">The newest snapshot this process saved or restored.</param>
/// <param name="LastSavedUtc">When that snapshot was created.</param>
/// <param name="Restore">What the restore at startup found, when it ran.</param>
public sealed record SystemPersistenceStatus(
    string System,
    bool Dirty,
    bool Pending,
    DateTimeOffset? PendingSinceUtc,
    int ConsecutiveFailures,
    string? LastError,
    long? LastSavedSequence,
    DateTimeOffset? LastSavedUtc,
    RestoreOutcome? Restore)
{
    /// <summary>
    /// Saves refused because another writer had saved first (a lost compare-and-set, see fencing in the README): each time the
    /// newest state was reloaded and the changes not yet acknowledged were reported as conflicts.
    /// </summary>
    public long Conflicts { get; init; }

    /// <summary>When the last conflict happened.</summary>
    public DateTimeOffset? LastConflictUtc { get; init; }

    /// <summary>Whether a conflict happened and no save of this instance has landed since (health is Degraded meanwhile).</summary>
    public bool ConflictOutstanding { get; init; }
}
