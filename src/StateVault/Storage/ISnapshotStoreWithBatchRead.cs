namespace StateVault.Storage;

/// <summary>
/// A store that reads several snapshots of one system in one round trip. Retention re-reads every snapshot it keeps before
/// it deletes one; on a database that is one query instead of one per snapshot.
/// </summary>
/// <remarks>
/// Optional: the engine reads one by one on a store that does not implement it. The bytes returned must be exactly what
/// <see cref="ISnapshotStore.ReadAsync"/> returns for the same sequence. A store may leave any sequence out of the result
/// (gone, too large to batch, past a memory bound); the engine then reads it with <see cref="ISnapshotStore.ReadAsync"/>.
/// </remarks>
public interface ISnapshotStoreWithBatchRead : ISnapshotStore
{
    /// <summary>Reads the snapshots of <paramref name="system"/> at <paramref name="sequences"/>, as far as one round trip allows.</summary>
    /// <param name="system">A valid system name.</param>
    /// <param name="sequences">The sequences to read.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The envelopes read, by sequence; a sequence left out is read one by one by the caller.</returns>
    Task<IReadOnlyDictionary<long, byte[]>> ReadManyAsync(string system, IReadOnlyCollection<long> sequences, CancellationToken cancellationToken);

    /// <summary>
    /// Lists the snapshots of <paramref name="system"/> (as <see cref="ISnapshotStore.ListAsync"/> does, in ascending order)
    /// and, in the same round trip where the store can, reads those that <paramref name="wanted"/> selects (as
    /// <see cref="ReadManyAsync"/> does, with the same freedom to leave any out). Retention lists and then re-reads the
    /// snapshots it keeps; on a database both are one query. The default lists, then calls <see cref="ReadManyAsync"/>.
    /// </summary>
    /// <param name="system">A valid system name.</param>
    /// <param name="wanted">Which listed sequences to read.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The listing, and the envelopes read by sequence.</returns>
    async Task<(IReadOnlyList<StoredSnapshotRef> Snapshots, IReadOnlyDictionary<long, byte[]> Envelopes)> ListAndReadAsync(string system, Func<long, bool> wanted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var snapshots = new List<StoredSnapshotRef>();
        await foreach (var item in ListAsync(system, cancellationToken).ConfigureAwait(false))
        {
            snapshots.Add(item);
        }

        var sequences = snapshots.Select(s => s.Sequence).Where(wanted).ToList();
        return (snapshots, sequences.Count == 0 ? new Dictionary<long, byte[]>() : await ReadManyAsync(system, sequences, cancellationToken).ConfigureAwait(false));
    }
}
