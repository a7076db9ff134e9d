namespace StateVault.Storage;

/// <summary>
/// A store that deletes older snapshots of a system as part of an append, so a save with retention costs one durable
/// commit (and one lock) instead of one per deleted snapshot.
/// </summary>
/// <remarks>
/// Optional: the engine uses it when a store implements it and otherwise appends, then deletes one by one. Implementers
/// must never let a delete become durable before the append does (SQLite: one transaction for both; file: the deletes
/// follow the append's fsyncs under the same lock, so a crash in between leaves only a prune undone, which the next one
/// redoes), must never delete the snapshot being appended or any sequence at or above it, must treat a listed sequence
/// that no longer exists as already deleted, and must not fail an append that is stored because a delete failed.
/// Everything else is as for <see cref="ISnapshotStore.AppendAsync"/>.
/// </remarks>
public interface ISnapshotStoreWithPruningAppend : ISnapshotStore
{
    /// <summary>
    /// Like <see cref="ISnapshotStore.AppendAsync"/>, and as part of it deletes the snapshots of
    /// <paramref name="system"/> listed in <paramref name="deleteOlder"/> whose sequence is below the one allocated.
    /// </summary>
    /// <param name="system">A valid system name.</param>
    /// <param name="expectedLatestSequence">As for <see cref="ISnapshotStore.AppendAsync"/>.</param>
    /// <param name="createEnvelope">As for <see cref="ISnapshotStore.AppendAsync"/>.</param>
    /// <param name="deleteOlder">Sequences retention removes; ignored when at or above the allocated sequence.</param>
    /// <param name="cancellationToken">Cancels the operation before the commit point.</param>
    /// <returns>The sequence number that was stored.</returns>
    Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, IReadOnlyCollection<long> deleteOlder, CancellationToken cancellationToken);

    /// <summary>
    /// Like <see cref="AppendAsync(string, long?, Func{long, EnvelopeBytes}, IReadOnlyCollection{long}, CancellationToken)"/>,
    /// but the sequences to delete are asked for as late as the store allows: a store that makes the new snapshot durable
    /// before it deletes (the file store) asks after its fsyncs, so retention can still be re-reading the snapshots it
    /// keeps while the append writes and flushes. The default asks first, then appends.
    /// </summary>
    /// <param name="system">A valid system name.</param>
    /// <param name="expectedLatestSequence">As for <see cref="ISnapshotStore.AppendAsync"/>.</param>
    /// <param name="createEnvelope">As for <see cref="ISnapshotStore.AppendAsync"/>.</param>
    /// <param name="deleteOlder">Returns the sequences retention removes (ignored when at or above the allocated sequence).
    /// A store that asks after the commit point deletes nothing when it fails, and still returns the stored sequence.</param>
    /// <param name="cancellationToken">Cancels the operation before the commit point.</param>
    /// <returns>The sequence number that was stored.</returns>
    async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, Func<CancellationToken, Task<IReadOnlyCollection<long>>> deleteOlder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deleteOlder);
        var sequences = await deleteOlder(cancellationToken).ConfigureAwait(false);
        return await AppendAsync(system, expectedLatestSequence, createEnvelope, sequences, cancellationToken).ConfigureAwait(false);
    }
}
