namespace StateVault.Storage;

/// <summary>
/// A store that also keeps content-addressed chunks, one namespace per system, so a large state can be saved as a
/// chunked snapshot: the envelope carries a manifest (the list of chunk ids) and each chunk is stored once.
/// </summary>
/// <remarks>
/// Optional: the engine chunks a large state only on a store that implements it. Implementers must:
/// <list type="bullet">
/// <item>make <see cref="PutChunkAsync"/> atomic and durable before it returns (after a crash the chunk is either whole
/// or absent), overwrite a chunk that exists (a damaged copy is healed this way) and set its stored time to the time of
/// this put;</item>
/// <item>store the bytes unchanged: the engine frames and checks each chunk;</item>
/// <item>keep chunks of different systems apart: a chunk id is only meaningful within its system;</item>
/// <item>make <see cref="DeleteChunkAsync"/> conditional on the stored time, atomic with respect to a concurrent
/// <see cref="PutChunkAsync"/> of the same chunk as far as the backend allows (a chunk put again after the cut-off must
/// survive), so the engine's collection of unreferenced chunks can never delete a chunk a save is about to reference;</item>
/// <item>refuse an id that is not a valid <see cref="ChunkId"/> with <see cref="ArgumentException"/>, before touching the
/// backend, and never read or write outside the store for any input;</item>
/// <item>pass the chunk facts of <c>SnapshotStoreConformanceTests</c>.</item>
/// </list>
/// Chunks never appear in <see cref="ISnapshotStore.ListAsync"/>; which chunks a snapshot uses is the engine's business.
/// </remarks>
public interface ISnapshotStoreWithChunks : ISnapshotStore
{
    /// <summary>Stores (or overwrites) one chunk of <paramref name="system"/>, atomically and durably.</summary>
    /// <param name="system">A valid system name.</param>
    /// <param name="chunkId">The chunk's id (<see cref="ChunkId.IsValid"/>).</param>
    /// <param name="data">The framed chunk bytes, stored unchanged. Only valid until the method returns: copy what you keep.</param>
    /// <param name="cancellationToken">Cancels the put before its commit point.</param>
    Task PutChunkAsync(string system, string chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Reads one chunk with its stored time, or <see langword="null"/> when it does not exist.</summary>
    Task<StoredChunk?> ReadChunkAsync(string system, string chunkId, CancellationToken cancellationToken);

    /// <summary>Lists the chunks of one system (any order).</summary>
    IAsyncEnumerable<StoredChunkRef> ListChunksAsync(string system, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes one chunk if, and only if, its stored time is before <paramref name="storedBefore"/>. A chunk put again
    /// since (its stored time now at or after the cut-off) is kept.
    /// </summary>
    /// <returns><see langword="true"/> when the chunk was deleted; <see langword="false"/> when it did not exist or is newer.</returns>
    Task<bool> DeleteChunkAsync(string system, string chunkId, DateTimeOffset storedBefore, CancellationToken cancellationToken);
}
