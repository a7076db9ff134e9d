using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>
/// A <see cref="DelegatingSnapshotStore{TInner}"/> that also claims <see cref="ISnapshotStoreWithChunks"/> and forwards the
/// chunk members to its inner chunk store, for wrappers of a chunk store that the engine must still see as one.
/// </summary>
/// <typeparam name="TInner">What the wrapper knows its inner store as.</typeparam>
public abstract class DelegatingChunkSnapshotStore<TInner> : DelegatingSnapshotStore<TInner>, ISnapshotStoreWithChunks
    where TInner : ISnapshotStoreWithChunks
{
    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The chunk store every member forwards to.</param>
    /// <param name="ownsInner">Whether disposing the wrapper disposes <paramref name="inner"/>.</param>
    protected DelegatingChunkSnapshotStore(TInner inner, bool ownsInner)
        : base(inner, ownsInner)
    {
    }

    /// <inheritdoc />
    public virtual Task PutChunkAsync(string system, string chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        Inner.PutChunkAsync(system, chunkId, data, cancellationToken);

    /// <inheritdoc />
    public virtual Task<StoredChunk?> ReadChunkAsync(string system, string chunkId, CancellationToken cancellationToken) =>
        Inner.ReadChunkAsync(system, chunkId, cancellationToken);

    /// <inheritdoc />
    public virtual IAsyncEnumerable<StoredChunkRef> ListChunksAsync(string system, CancellationToken cancellationToken) =>
        Inner.ListChunksAsync(system, cancellationToken);

    /// <inheritdoc />
    public virtual Task<bool> DeleteChunkAsync(string system, string chunkId, DateTimeOffset storedBefore, CancellationToken cancellationToken) =>
        Inner.DeleteChunkAsync(system, chunkId, storedBefore, cancellationToken);
}
