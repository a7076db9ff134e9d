using StateVault.Codecs;

namespace StateVault.Storage;

/// <summary>
/// A store that reads a snapshot into a buffer rented from the shared array pool. Retention re-reads every snapshot it keeps
/// before it deletes one, only to compare a hash: with keep-last 5, every save reads four snapshots again, and allocating
/// each anew was most of what a save allocated.
/// </summary>
/// <remarks>Optional: the engine calls <see cref="ISnapshotStore.ReadAsync"/> on a store that does not implement it.</remarks>
internal interface ISnapshotStoreWithRentedRead : ISnapshotStore
{
    /// <summary>Reads what <see cref="ISnapshotStore.ReadAsync"/> returns for the same sequence, into a rented buffer.</summary>
    /// <param name="system">A valid system name.</param>
    /// <param name="sequence">The sequence.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The envelope (dispose it to return the buffer), or <see langword="null"/> when there is no such snapshot.</returns>
    Task<SnapshotCodecs.PooledPayload?> ReadRentedAsync(string system, long sequence, CancellationToken cancellationToken);
}
