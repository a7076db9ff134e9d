namespace StateVault;

/// <summary>A snapshot that a load skipped.</summary>
/// <param name="Sequence">The snapshot.</param>
/// <param name="Reason">Why (the failed check, or the deserialization error type).</param>
/// <param name="Quarantined">Whether it was moved to quarantine.</param>
/// <param name="QuarantineError">Why the move to quarantine failed (e.g. a read-only or full store), when it was tried and
/// failed; the load fell back all the same.</param>
public sealed record SkippedSnapshot(long Sequence, string Reason, bool Quarantined, string? QuarantineError = null);

/// <summary>The newest valid state of a system, and what was skipped on the way to it.</summary>
/// <typeparam name="TState">The state type.</typeparam>
/// <param name="State">The restored state (upcast to the current schema).</param>
/// <param name="Metadata">The snapshot it came from.</param>
/// <param name="Skipped">Newer snapshots that were damaged or unreadable, newest first.</param>
public sealed record LoadResult<TState>(TState State, SnapshotMetadata Metadata, IReadOnlyList<SkippedSnapshot> Skipped)
{
    /// <summary>Whether newer snapshots were skipped.</summary>
    public bool FellBack => Skipped.Count > 0;
}

/// <summary>The JSON of one snapshot, as stored (not upcast).</summary>
/// <param name="Json">The UTF-8 JSON document.</param>
/// <param name="Metadata">The snapshot it came from.</param>
/// <param name="Skipped">Newer snapshots that were skipped (for loads of the newest valid one).</param>
public sealed record JsonSnapshot(ReadOnlyMemory<byte> Json, SnapshotMetadata Metadata, IReadOnlyList<SkippedSnapshot> Skipped)
{
    /// <summary>Whether newer snapshots were skipped.</summary>
    public bool FellBack => Skipped.Count > 0;
}
