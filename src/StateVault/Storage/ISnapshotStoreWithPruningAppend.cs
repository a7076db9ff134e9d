namespace StateVault.Storage;

/// <summary>
/// A store that can delete older snapshots of a system in the same atomic, durable commit as an append, so a save with
/// retention costs one durable commit instead of one per deleted snapshot.
/// </summary>
/// <remarks>
/// Optional: the engine uses it when a store implements it and otherwise appends, then deletes one by one. Implementers
/// must make the append and the deletes one transaction (after a crash, either the new snapshot is stored and the listed
/// ones are gone, or nothing changed), must never delete the snapshot being appended or any sequence at or above it, and
/// must treat a listed sequence that no longer exists as already deleted. Everything else is as for
/// <see cref="ISnapshotStore.AppendAsync"/>.
/// </remarks>
public interface ISnapshotStoreWithPruningAppend : ISnapshotStore
{
    /// <summary>
    /// Like <see cref="ISnapshotStore.AppendAsync"/>, and in the same commit deletes the snapshots of
    /// <paramref name="system"/> listed in <paramref name="deleteOlder"/> whose sequence is below the one allocated.
    /// </summary>
    /// <param name="system">A valid system name.</param>
    /// <param name="expectedLatestSequence">As for <see cref="ISnapshotStore.AppendAsync"/>.</param>
    /// <param name="createEnvelope">As for <see cref="ISnapshotStore.AppendAsync"/>.</param>
    /// <param name="deleteOlder">Sequences retention removes; ignored when at or above the allocated sequence.</param>
    /// <param name="cancellationToken">Cancels the operation before the commit point.</param>
    /// <returns>The sequence number that was stored.</returns>
    Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, IReadOnlyCollection<long> deleteOlder, CancellationToken cancellationToken);
}
