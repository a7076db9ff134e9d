namespace StateVault.Mirror;

/// <summary>What one replication pass (<see cref="MirrorSnapshotStore.ReplicateNowAsync"/>) did.</summary>
/// <param name="Copied">Snapshots copied to the secondary, each read back and verified byte for byte.</param>
/// <param name="AlreadyPresent">Snapshots the secondary already held, byte for byte the same.</param>
/// <param name="SkippedByRetention">Snapshots missing on the secondary that its retention policy would remove, so not copied.</param>
/// <param name="Pruned">Snapshots removed from the secondary by its retention policy.</param>
/// <param name="Repaired">Damaged copies on the secondary replaced by the primary's verified snapshot.</param>
/// <param name="Failures">What could not be done; retried by the next catch-up.</param>
public sealed record MirrorReplicationReport(
    int Copied,
    int AlreadyPresent,
    int SkippedByRetention,
    int Pruned,
    int Repaired,
    IReadOnlyList<MirrorReplicationFailure> Failures)
{
    /// <summary>
    /// Chunks of chunked snapshots copied to the secondary (each read back identical): only those the secondary lacked,
    /// so a pass over snapshots that share chunks copies each chunk once, and a pass with nothing new copies none.
    /// </summary>
    public int ChunksCopied { get; init; }

    /// <summary>
    /// Chunks deleted from the secondary because none of its snapshots names them any more (after its retention removed the
    /// snapshots that did) and they were stored there longer ago than <see cref="MirrorSnapshotStoreOptions.SecondaryChunkGracePeriod"/>.
    /// </summary>
    public int ChunksCollected { get; init; }

    /// <summary>Whether the pass finished without a failure: the secondary holds a verified copy of everything it should.</summary>
    public bool Succeeded => Failures.Count == 0;
}

/// <summary>One thing a replication pass could not do.</summary>
/// <param name="System">The system, or <c>*</c> when the pass failed before reaching one.</param>
/// <param name="Sequence">The snapshot, when the failure concerns one.</param>
/// <param name="Reason">What went wrong (no state values, no credentials).</param>
/// <param name="IsTransient">Whether a later pass may succeed without anyone's help (e.g. the secondary was unreachable).</param>
public sealed record MirrorReplicationFailure(string System, long? Sequence, string Reason, bool IsTransient);

/// <summary>The replication state of a mirror at one moment.</summary>
/// <param name="Pending">Snapshots saved on the primary and queued for copying.</param>
/// <param name="CopiedTotal">Verified copies made since the mirror was created.</param>
/// <param name="FailedTotal">Failed copy attempts since the mirror was created (each is retried by catch-up).</param>
/// <param name="CatchUpsCompleted">Catch-up passes finished (with or without failures).</param>
/// <param name="LastSuccessUtc">When a copy or catch-up last succeeded.</param>
/// <param name="LastFailureUtc">When replication last failed.</param>
/// <param name="LastError">The last failure's reason, or <see langword="null"/> when the last attempt succeeded.</param>
public sealed record MirrorReplicationStatus(
    int Pending,
    long CopiedTotal,
    long FailedTotal,
    long CatchUpsCompleted,
    DateTimeOffset? LastSuccessUtc,
    DateTimeOffset? LastFailureUtc,
    string? LastError)
{
    /// <summary>Whether the secondary is believed current: nothing queued and the last attempt succeeded.</summary>
    public bool IsHealthy => Pending == 0 && LastError is null;
}
