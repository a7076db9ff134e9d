using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>
/// Wraps a store and adds chunks kept in memory (one namespace per system), so tests of the layers above a store (server
/// routes, the <c>http:</c> store, the mirror) can run against chunks on any inner store. Snapshots go to the inner store
/// unchanged. Put and conditional delete are atomic under one lock; the stored time comes from <paramref name="time"/>.
/// With <paramref name="shareChunksWith"/>, two instances see the same chunks (a second "process" over the same backend).
/// </summary>
public sealed class MemoryChunksStore(ISnapshotStore inner, TimeProvider? time = null, MemoryChunksStore? shareChunksWith = null)
    : DelegatingSnapshotStore<ISnapshotStore>(inner, ownsInner: true), ISnapshotStoreWithChunks
{
    private readonly ConcurrentDictionary<(string System, string Id), StoredChunk> _chunks = shareChunksWith?._chunks ?? new();
    private readonly Lock _gate = shareChunksWith?._gate ?? new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private int _puts;

    /// <summary>How many chunk puts this store has taken.</summary>
    public int ChunkPuts => Volatile.Read(ref _puts);

    /// <inheritdoc />
    public Task PutChunkAsync(string system, string chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ChunkId.Validate(chunkId, nameof(chunkId));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_chunks.TryGetValue((system, chunkId), out var old) && old.StoredUtc > now)
            {
                now = old.StoredUtc;
            }

            _chunks[(system, chunkId)] = new StoredChunk(data.ToArray(), now);
            _puts++;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<StoredChunk?> ReadChunkAsync(string system, string chunkId, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ChunkId.Validate(chunkId, nameof(chunkId));
        return Task.FromResult(_chunks.TryGetValue((system, chunkId), out var chunk) ? new StoredChunk(chunk.Data.ToArray(), chunk.StoredUtc) : null);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredChunkRef> ListChunksAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var ((owner, id), chunk) in _chunks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (owner == system)
            {
                yield return new StoredChunkRef(id, chunk.Data.LongLength, chunk.StoredUtc);
            }
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteChunkAsync(string system, string chunkId, DateTimeOffset storedBefore, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ChunkId.Validate(chunkId, nameof(chunkId));
        lock (_gate)
        {
            return Task.FromResult(_chunks.TryGetValue((system, chunkId), out var chunk) && chunk.StoredUtc < storedBefore && _chunks.TryRemove((system, chunkId), out _));
        }
    }
}
