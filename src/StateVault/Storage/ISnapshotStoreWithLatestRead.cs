namespace StateVault.Storage;

/// <summary>
/// A store that reads the newest snapshot of a system in one step, without a listing: one statement on a database, one
/// look-up of the folder's newest name on the file store. A load reads the newest snapshot first; only when that one is
/// damaged, gone or undecodable does it list and fall back.
/// </summary>
/// <remarks>
/// Optional: the engine lists and then reads on a store that does not implement it. The sequence must be the highest one
/// <see cref="ISnapshotStore.ListAsync"/> would list at that moment, and the bytes exactly what
/// <see cref="ISnapshotStore.ReadAsync"/> returns for it.
/// </remarks>
public interface ISnapshotStoreWithLatestRead : ISnapshotStore
{
    /// <summary>Reads the newest snapshot of <paramref name="system"/>.</summary>
    /// <param name="system">A valid system name.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Its sequence and envelope; <see langword="null"/> when the system has no snapshot, or its newest one went
    /// between being found and being read (the caller then lists).</returns>
    Task<LatestSnapshot?> ReadLatestAsync(string system, CancellationToken cancellationToken);
}

/// <summary>The newest snapshot of a system, as <see cref="ISnapshotStoreWithLatestRead.ReadLatestAsync"/> read it.</summary>
/// <param name="Sequence">Its sequence.</param>
/// <param name="Envelope">Its envelope, exactly as stored.</param>
public readonly record struct LatestSnapshot(long Sequence, byte[] Envelope);

/// <summary>Reads every store can do, in one step on a store that has a shortcut for them.</summary>
public static class SnapshotStoreReads
{
    /// <summary>
    /// Reads the newest snapshot of <paramref name="system"/>: in one step on an <see cref="ISnapshotStoreWithLatestRead"/>,
    /// otherwise by listing the system and reading its newest snapshot.
    /// </summary>
    /// <param name="store">The store.</param>
    /// <param name="system">A valid system name.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>Its sequence and envelope; <see langword="null"/> when the system has no snapshot, or its newest one went
    /// between being found and being read.</returns>
    public static async Task<LatestSnapshot?> ReadNewestAsync(this ISnapshotStore store, string system, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store is ISnapshotStoreWithLatestRead latestRead)
        {
            return await latestRead.ReadLatestAsync(system, cancellationToken).ConfigureAwait(false);
        }

        long newest = 0;
        await foreach (var item in store.ListAsync(system, cancellationToken).ConfigureAwait(false))
        {
            newest = Math.Max(newest, item.Sequence);
        }

        return newest > 0 && await store.ReadAsync(system, newest, cancellationToken).ConfigureAwait(false) is { } envelope
            ? new LatestSnapshot(newest, envelope)
            : null;
    }
}
