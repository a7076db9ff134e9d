namespace StateVault.Storage;

/// <summary>
/// A store whose append lists the system inside its own write transaction, after the new snapshot is written and before
/// the commit, and asks a plan there what to delete in the same commit. The listing is exact (no other writer can change
/// the system meanwhile), and retention needs no listing of its own on another connection or thread.
/// </summary>
/// <remarks>
/// Optional: the engine uses it when a store implements it and the plan can be made from what the engine already verified
/// (otherwise it plans as for <see cref="ISnapshotStoreWithPruningAppend"/>). The plan runs while the store holds its write
/// lock: it must be quick, must not call the store, and may read envelopes only through <see cref="AppendListing.Read"/>.
/// Implementers delete what the plan returns in the same commit as the append, with the rules of
/// <see cref="ISnapshotStoreWithPruningAppend"/>, and commit the append without deletes when the plan throws.
/// </remarks>
public interface ISnapshotStoreWithListingAppend : ISnapshotStoreWithPruningAppend
{
    /// <summary>
    /// Like <see cref="ISnapshotStore.AppendAsync"/>, and as part of it deletes the snapshots of <paramref name="system"/>
    /// that <paramref name="planDeletes"/> returns whose sequence is below the one allocated.
    /// </summary>
    /// <param name="system">A valid system name.</param>
    /// <param name="expectedLatestSequence">As for <see cref="ISnapshotStore.AppendAsync"/>.</param>
    /// <param name="createEnvelope">As for <see cref="ISnapshotStore.AppendAsync"/>.</param>
    /// <param name="planDeletes">Called once per attempt, inside the append's transaction, with the system's snapshots as the
    /// commit will leave them before any delete (the new one included). Returns the sequences to delete, or
    /// <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the operation before the commit point.</param>
    /// <returns>The sequence number that was stored.</returns>
    Task<long> AppendPlannedAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, Func<AppendListing, IReadOnlyCollection<long>?> planDeletes, CancellationToken cancellationToken);
}

/// <summary>What an append's plan sees (<see cref="ISnapshotStoreWithListingAppend"/>). Valid only during the call.</summary>
/// <param name="sequence">The sequence allocated to the new snapshot.</param>
/// <param name="snapshots">The system's snapshots in ascending order, the new one included.</param>
/// <param name="read">Reads one envelope inside the append's transaction; <see langword="null"/> when absent.</param>
/// <param name="changeEpoch">The store's change epoch for this transaction (see <see cref="ChangeEpoch"/>), or
/// <see langword="null"/> when the store cannot tell.</param>
public sealed class AppendListing(long sequence, IReadOnlyList<StoredSnapshotRef> snapshots, Func<long, byte[]?> read, long? changeEpoch = null)
{
    /// <summary>
    /// The same number in two appends' transactions of one store instance only when nothing but that instance's own writer
    /// changed the stored data between them: another connection's or process's commit, or a writer opened again, starts a
    /// new epoch. A store's writer never rewrites a stored snapshot, so within one epoch a snapshot's bytes are those it had.
    /// <see langword="null"/> when the store cannot tell (the plan then reads every snapshot it keeps again).
    /// </summary>
    public long? ChangeEpoch { get; } = changeEpoch;

    /// <summary>The sequence allocated to the new snapshot.</summary>
    public long Sequence { get; } = sequence;

    /// <summary>The system's snapshots in ascending order, the new one included.</summary>
    public IReadOnlyList<StoredSnapshotRef> Snapshots { get; } = snapshots;

    /// <summary>Reads one envelope of the system inside the append's transaction, exactly as <see cref="ISnapshotStore.ReadAsync"/> would return it.</summary>
    /// <param name="sequence">The snapshot.</param>
    /// <returns>The envelope, or <see langword="null"/> when it is absent.</returns>
    public byte[]? Read(long sequence) => read(sequence);
}
