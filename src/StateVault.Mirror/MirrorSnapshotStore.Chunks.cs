using System.Runtime.CompilerServices;
using StateVault.Envelope;
using StateVault.Storage;

namespace StateVault.Mirror;

/// <summary>Chunk operations (the primary's) and the copying of a chunked snapshot's chunks to the secondary.</summary>
public sealed partial class MirrorSnapshotStore
{
    /// <summary>Puts the chunk on the primary; it reaches the secondary with the first snapshot that names it.</summary>
    /// <exception cref="NotSupportedException">The primary keeps no chunks.</exception>
    public Task PutChunkAsync(string system, string chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        PrimaryChunks.PutChunkAsync(system, chunkId, data, cancellationToken);

    /// <summary>Reads the chunk from the primary.</summary>
    /// <exception cref="NotSupportedException">The primary keeps no chunks.</exception>
    public Task<StoredChunk?> ReadChunkAsync(string system, string chunkId, CancellationToken cancellationToken) =>
        PrimaryChunks.ReadChunkAsync(system, chunkId, cancellationToken);

    /// <summary>Lists the primary's chunks of the system.</summary>
    /// <exception cref="NotSupportedException">The primary keeps no chunks.</exception>
    public async IAsyncEnumerable<StoredChunkRef> ListChunksAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in PrimaryChunks.ListChunksAsync(system, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    /// <summary>
    /// Deletes the chunk from the primary only (as <see cref="DeleteAsync"/> does for snapshots): the secondary's copies
    /// stay with the secondary's snapshots that name them.
    /// </summary>
    /// <exception cref="NotSupportedException">The primary keeps no chunks.</exception>
    public Task<bool> DeleteChunkAsync(string system, string chunkId, DateTimeOffset storedBefore, CancellationToken cancellationToken) =>
        PrimaryChunks.DeleteChunkAsync(system, chunkId, storedBefore, cancellationToken);

    private ISnapshotStoreWithChunks PrimaryChunks =>
        _primary as ISnapshotStoreWithChunks ?? throw new NotSupportedException($"The mirror's primary ({_primary.Kind} store) keeps no chunks.");

    /// <summary>
    /// Puts on the secondary every chunk the snapshot names that the secondary lacks, each read from the primary, checked
    /// against its id and read back identical. Returns <see langword="false"/> (with the failure reported) when the
    /// snapshot must not be imported.
    /// </summary>
    private async Task<bool> CopyChunksAsync(string system, long sequence, byte[] envelope, SecondaryChunks known, ReportBuilder report, CancellationToken cancellationToken)
    {
        if (_secondary is not ISnapshotStoreWithChunks secondary)
        {
            report.Fail(system, sequence, $"the snapshot is chunked and the secondary ({_secondary.Kind} store) keeps no chunks; not replicated", isTransient: false);
            return false;
        }

        if (_primary is not ISnapshotStoreWithChunks primary)
        {
            report.Fail(system, sequence, $"the snapshot is chunked and the primary ({_primary.Kind} store) keeps no chunks to copy; not replicated", isTransient: false);
            return false;
        }

        ChunkManifest manifest;
        try
        {
            manifest = ManifestOf(envelope)!;
        }
        catch (EnvelopeFormatException ex)
        {
            report.Fail(system, sequence, $"the primary's chunk manifest is invalid ({ex.Message}); not replicated", isTransient: false);
            return false;
        }

        // The secondary's chunks are listed once per system and pass, not once per snapshot.
        if (known.Ids is null)
        {
            known.Ids = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var item in secondary.ListChunksAsync(system, cancellationToken).ConfigureAwait(false))
            {
                known.Ids.Add(item.Id);
            }
        }

        foreach (var entry in manifest.Chunks)
        {
            if (known.Ids.Contains(entry.Id))
            {
                continue;
            }

            var stored = await primary.ReadChunkAsync(system, entry.Id, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                report.Fail(system, sequence, $"chunk {entry.Id} is missing on the primary; not replicated", isTransient: false);
                return false;
            }

            try
            {
                ChunkFrame.Decode(entry.Id, stored.Data, entry.Length, SnapshotVaultOptions.DefaultMaxExpansionRatio);
            }
            catch (EnvelopeFormatException ex)
            {
                report.Fail(system, sequence, $"the primary's chunk {entry.Id} is damaged ({ex.Message}); not replicated", isTransient: false);
                return false;
            }

            await secondary.PutChunkAsync(system, entry.Id, stored.Data, cancellationToken).ConfigureAwait(false);
            var readBack = await secondary.ReadChunkAsync(system, entry.Id, cancellationToken).ConfigureAwait(false);
            if (readBack is null || !readBack.Data.AsSpan().SequenceEqual(stored.Data))
            {
                report.Fail(system, sequence, $"chunk {entry.Id} did not read back identical from the secondary; will be copied again", isTransient: true);
                return false;
            }

            known.Ids.Add(entry.Id);
            report.CountChunkCopy();
        }

        return true;
    }

    /// <summary>The secondary's chunk ids of one system, listed on first need in a pass and kept up to date by its copies.</summary>
    private sealed class SecondaryChunks
    {
        public HashSet<string>? Ids { get; set; }
    }

    /// <summary>
    /// Deletes the secondary's chunks of <paramref name="system"/> that none of its snapshots names and that were stored there
    /// longer ago than <see cref="MirrorSnapshotStoreOptions.SecondaryChunkGracePeriod"/> (each delete conditional on that
    /// time). Deletes nothing when a snapshot on the secondary cannot be read: its chunks are unknown.
    /// </summary>
    private async Task CollectSecondaryChunksAsync(string system, ReportBuilder report, CancellationToken cancellationToken)
    {
        if (_secondary is not ISnapshotStoreWithChunks secondary)
        {
            _secondaryChunkCollectionDue.TryRemove(system, out _);
            return;
        }

        // Taken before the listing: a chunk put after it is newer than the cut-off whatever the listing sees.
        var cutoff = _time.GetUtcNow() - _options.SecondaryChunkGracePeriod;
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in await ListAllAsync(_secondary, system, cancellationToken).ConfigureAwait(false))
        {
            if (_secondaryHeaders.TryGetValue((system, item.Sequence), out var known) && known.Length == item.Length && known.Header.Codec != ChunkManifest.Codec)
            {
                continue; // a whole snapshot, verified before: names no chunk
            }

            byte[]? bytes;
            try
            {
                bytes = await _secondary.ReadAsync(system, item.Sequence, cancellationToken).ConfigureAwait(false);
            }
            catch (SnapshotCorruptedException ex)
            {
                Log.SecondaryChunkCollectionSkipped(_logger, system, item.Sequence, ex.Reason);
                return;
            }

            if (bytes is null)
            {
                continue; // deleted since it was listed
            }

            try
            {
                if (ManifestOf(bytes) is { } manifest)
                {
                    referenced.UnionWith(manifest.Chunks.Select(c => c.Id));
                }
            }
            catch (EnvelopeFormatException ex)
            {
                Log.SecondaryChunkCollectionSkipped(_logger, system, item.Sequence, ex.Message);
                return;
            }
        }

        var deleted = 0;
        var waiting = false;
        var candidates = new List<StoredChunkRef>();
        await foreach (var chunk in secondary.ListChunksAsync(system, cancellationToken).ConfigureAwait(false))
        {
            if (!referenced.Contains(chunk.Id))
            {
                candidates.Add(chunk);
            }
        }

        foreach (var chunk in candidates)
        {
            if (chunk.StoredUtc >= cutoff)
            {
                waiting = true; // unreferenced but within its grace: a later pass looks again
            }
            else if (await secondary.DeleteChunkAsync(system, chunk.Id, cutoff, cancellationToken).ConfigureAwait(false))
            {
                _secondaryChunksVerified.TryRemove((system, chunk.Id), out _);
                deleted++;
            }
        }

        if (!waiting)
        {
            _secondaryChunkCollectionDue.TryRemove(system, out _);
        }

        if (deleted > 0)
        {
            report.CountChunksCollected(deleted);
            Log.SecondaryChunksCollected(_logger, system, deleted);
        }
    }

    /// <summary>
    /// Reads and checks every chunk a copy on the secondary names (each chunk once per full verification). A damaged chunk is
    /// deleted from the secondary, so the repair's copy puts the primary's again.
    /// </summary>
    /// <returns>Why the copy is not good, or <see langword="null"/>.</returns>
    private async Task<string?> CheckSecondaryChunksAsync(string system, byte[] envelope, CancellationToken cancellationToken)
    {
        if (_secondary is not ISnapshotStoreWithChunks secondary)
        {
            return "a chunked snapshot on a secondary that keeps no chunks";
        }

        ChunkManifest manifest;
        try
        {
            manifest = ManifestOf(envelope)!;
        }
        catch (EnvelopeFormatException ex)
        {
            return $"its chunk manifest is invalid ({ex.Message})";
        }

        foreach (var entry in manifest.Chunks)
        {
            if (_secondaryChunksVerified.ContainsKey((system, entry.Id)))
            {
                continue;
            }

            var stored = await secondary.ReadChunkAsync(system, entry.Id, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                return $"chunk {entry.Id} is missing on the secondary";
            }

            try
            {
                ChunkFrame.Decode(entry.Id, stored.Data, entry.Length, SnapshotVaultOptions.DefaultMaxExpansionRatio);
            }
            catch (EnvelopeFormatException ex)
            {
                // Removed whatever its time: a damaged chunk is no copy of anything, and the repair puts the primary's.
                await secondary.DeleteChunkAsync(system, entry.Id, DateTimeOffset.MaxValue, cancellationToken).ConfigureAwait(false);
                return $"chunk {entry.Id} is damaged on the secondary ({ex.Message})";
            }

            _secondaryChunksVerified[(system, entry.Id)] = 0;
        }

        return null;
    }

    /// <summary>The chunk manifest of a verified envelope, or <see langword="null"/> when the snapshot is stored whole.</summary>
    /// <exception cref="EnvelopeFormatException">The envelope or its manifest is damaged.</exception>
    private static ChunkManifest? ManifestOf(byte[] envelope)
    {
        var (header, payload) = SnapshotEnvelope.Decode(envelope);
        return header.Codec == ChunkManifest.Codec ? ChunkManifest.Parse(payload.Span, header.RawLength) : null;
    }
}
