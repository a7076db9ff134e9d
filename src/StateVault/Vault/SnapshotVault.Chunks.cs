using System.Collections.Concurrent;
using System.Globalization;
using StateVault.Chunking;
using StateVault.Codecs;
using StateVault.Diagnostics;
using StateVault.Envelope;
using StateVault.Storage;

namespace StateVault;

/// <summary>Chunked snapshots: the save's chunk puts, the load's assembly and the collection of unreferenced chunks.</summary>
public sealed partial class SnapshotVault
{
    // Per system: chunks this vault knows are on the store (it put them, or read and verified them), with their stored
    // time. After a save it holds exactly that snapshot's chunks.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, DateTimeOffset>> _knownChunks = new(StringComparer.Ordinal);

    // Per system: saves hold the shared side from the chunk decision to the end of the append, collection the exclusive
    // side, so in this process a collection never deletes a chunk a save has decided to reuse. Other processes are
    // covered by the grace rule (ChunkingOptions.GracePeriod).
    private readonly ConcurrentDictionary<string, SharedExclusiveLock> _chunkLocks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastCollection = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _collectionDue = new(StringComparer.Ordinal);
    private ContentDefinedChunker? _chunker;

    // Set when a store that presents chunks turned out to keep none behind it (an http: server or a mirror over a chunkless
    // store): from then on this vault saves whole snapshots there.
    private volatile bool _chunksUnsupported;

    private ContentDefinedChunker Chunker => _chunker ??= new ContentDefinedChunker(_options.Chunking.AverageChunkSize);

    /// <summary>
    /// Deletes the chunks of <paramref name="system"/> that no listed snapshot references and that were stored longer ago
    /// than <see cref="ChunkingOptions.GracePeriod"/>. Deletes nothing when any listed snapshot cannot be read (its chunks
    /// are unknown). Each delete is conditional on the stored time, so a chunk a save put again meanwhile survives.
    /// </summary>
    /// <param name="system">The system.</param>
    /// <param name="dryRun">Only count what would be deleted.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>What was (or would be) deleted; an empty result on a store that keeps no chunks.</returns>
    public async Task<ChunkCollectionResult> CollectChunksAsync(string system, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        SystemName.Validate(system);
        if (_store is not ISnapshotStoreWithChunks store)
        {
            return new ChunkCollectionResult(system, 0, 0, null);
        }

        using var exclusive = await ChunkLock(system).EnterExclusiveAsync(cancellationToken).ConfigureAwait(false);
        if (!dryRun)
        {
            _collectionDue.TryRemove(system, out _);
            _lastCollection[system] = _time.GetUtcNow();
        }
        // The cut-off is taken BEFORE the snapshots are listed. A save reuses a chunk only if it was stored less than half the
        // grace before the save began, and finishes within that half: so a chunk older than this cut-off that a save reuses
        // belongs to a save whose snapshot was durable before the listing below, and is found referenced there. Taken after
        // the listing, a slow listing would move the cut-off past a save that appended while it ran.
        var cutoff = _time.GetUtcNow() - _options.Chunking.GracePeriod;
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in await ListRefsAsync(system, cancellationToken).ConfigureAwait(false))
        {
            if (await ReferencedChunksAsync(system, item, referenced, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                Log.ChunkCollectionSkipped(_logger, system, problem);
                return new ChunkCollectionResult(system, 0, 0, problem);
            }
        }

        var candidates = new List<StoredChunkRef>();
        await RetryAsync(
            async ct =>
            {
                candidates.Clear();
                await foreach (var chunk in store.ListChunksAsync(system, ct).ConfigureAwait(false))
                {
                    if (!referenced.Contains(chunk.Id) && chunk.StoredUtc < cutoff)
                    {
                        candidates.Add(chunk);
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);

        var deleted = 0;
        long bytes = 0;
        var known = KnownChunks(system);
        foreach (var chunk in candidates)
        {
            if (dryRun || await RetryAsync(ct => new ValueTask<bool>(store.DeleteChunkAsync(system, chunk.Id, cutoff, ct)), cancellationToken).ConfigureAwait(false))
            {
                deleted++;
                bytes += chunk.Length;
                if (!dryRun)
                {
                    known.TryRemove(chunk.Id, out _);
                }
            }
        }

        if (deleted > 0 && !dryRun)
        {
            Log.ChunksCollected(_logger, system, deleted, bytes);
        }

        return new ChunkCollectionResult(system, deleted, bytes, null);
    }

    /// <summary>Adds the chunks snapshot <paramref name="item"/> references; returns why it cannot be read, if so.</summary>
    private async Task<string?> ReferencedChunksAsync(string system, StoredSnapshotRef item, HashSet<string> referenced, CancellationToken cancellationToken)
    {
        if (_verified.TryGetValue((system, item.Sequence), out var cached) && cached.Length == item.Length && cached.Header.Codec != ChunkManifest.Codec)
        {
            return null; // a whole snapshot (immutable, verified by length): references no chunk, need not be read again
        }

        byte[]? bytes;
        try
        {
            bytes = await RetryAsync(ct => new ValueTask<byte[]?>(_store.ReadAsync(system, item.Sequence, ct)), cancellationToken).ConfigureAwait(false);
        }
        catch (SnapshotCorruptedException ex)
        {
            return string.Create(CultureInfo.InvariantCulture, $"snapshot {item.Sequence} cannot be read ({ex.Reason})");
        }

        if (bytes is null)
        {
            return null; // deleted since it was listed
        }

        try
        {
            var (header, payload) = SnapshotEnvelope.Decode(bytes);
            if (header.Codec == ChunkManifest.Codec)
            {
                foreach (var entry in ChunkManifest.Parse(payload.Span, _options.MaxStateBytes).Chunks)
                {
                    referenced.Add(entry.Id);
                }
            }

            return null;
        }
        catch (EnvelopeFormatException ex)
        {
            return string.Create(CultureInfo.InvariantCulture, $"snapshot {item.Sequence} is damaged ({ex.Message})");
        }
    }

    private SharedExclusiveLock ChunkLock(string system) => _chunkLocks.GetOrAdd(system, _ => new SharedExclusiveLock());

    private ConcurrentDictionary<string, DateTimeOffset> KnownChunks(string system) =>
        _knownChunks.GetOrAdd(system, _ => new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal));

    /// <summary>The chunk store when a state of <paramref name="length"/> bytes is to be chunked, otherwise <see langword="null"/>.</summary>
    private ISnapshotStoreWithChunks? ChunkStoreFor(int length) =>
        _options.Chunking.Enabled && !_chunksUnsupported && length >= _options.Chunking.Threshold ? _store as ISnapshotStoreWithChunks : null;

    /// <summary>
    /// Puts the chunks <see cref="PrepareChunks"/> cut (from the JSON they carry) that the store may lack (not
    /// known present, or known from longer ago than half the grace period), in parallel through the retry pipeline. The
    /// caller holds the system's shared chunk lock until its append is done. Returns the manifest to store as the
    /// envelope's payload.
    /// </summary>
    private async Task<ChunkedSave> PutChunksAsync(ISnapshotStoreWithChunks store, string system, PreparedChunks prepared, string codec, CancellationToken cancellationToken)
    {
        var (json, pieces, ids) = prepared;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Chunking.MaxParallelism, CancellationToken = cancellationToken };

        var known = KnownChunks(system);
        var now = _time.GetUtcNow();
        var grace = _options.Chunking.GracePeriod;
        // With no grace period only this process collects (under the exclusive lock): a known chunk is reused as it is.
        var refreshBefore = grace == TimeSpan.Zero ? DateTimeOffset.MinValue : now - grace / 2;
        var reused = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var toPut = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Length; i++)
        {
            if (reused.ContainsKey(ids[i]) || toPut.ContainsKey(ids[i]))
            {
                continue;
            }

            if (known.TryGetValue(ids[i], out var stored) && stored >= refreshBefore)
            {
                reused[ids[i]] = stored;
            }
            else
            {
                toPut[ids[i]] = i;
            }
        }

        long written = 0;
        await Parallel.ForEachAsync(toPut, parallel, async (item, ct) =>
        {
            var (offset, length) = pieces[item.Value];
            var framed = FrameChunk(codec, json.Slice(offset, length));
            await RetryAsync(c => new ValueTask(store.PutChunkAsync(system, item.Key, framed, c)), ct).ConfigureAwait(false);
            Interlocked.Add(ref written, framed.Length);
        }).ConfigureAwait(false);

        // The put time is taken before the puts: never later than the store's, so a refresh is never late.
        var nowKnown = new ConcurrentDictionary<string, DateTimeOffset>(reused, StringComparer.Ordinal);
        foreach (var id in toPut.Keys)
        {
            nowKnown[id] = now;
        }

        _knownChunks[system] = nowKnown;
        var manifest = new ChunkManifest { Chunks = [.. pieces.Select((p, i) => new ChunkManifestEntry { Id = ids[i], Length = p.Length })] };
        Log.Chunked(_logger, system, toPut.Count, written, reused.Count);
        return new ChunkedSave(manifest.ToUtf8(), written);
    }

    /// <summary>
    /// Cuts <paramref name="json"/> into content-defined chunks and names each by its hash (in parallel). Pure computation:
    /// nothing is written, so it may run before the secret policy's verdict on the same bytes.
    /// </summary>
    private PreparedChunks PrepareChunks(ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        var pieces = Chunker.Split(json.Span);
        var ids = new string[pieces.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Chunking.MaxParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, pieces.Count, parallel, i => ids[i] = ChunkFrame.IdOf(json.Span.Slice(pieces[i].Offset, pieces[i].Length)));
        return new PreparedChunks(json, pieces, ids);
    }

    /// <summary>Frames one chunk; one that compresses beyond the ratio a load accepts is stored plain.</summary>
    private byte[] FrameChunk(string codec, ReadOnlyMemory<byte> content)
    {
        var framed = ChunkFrame.Encode(codec, content);
        if (codec != SnapshotCodecs.Identity)
        {
            var head = ChunkFrame.Magic.Length + codec.Length + content.Length.ToString(CultureInfo.InvariantCulture).Length + 3;
            if (content.Length > (framed.Length - head) * (long)_options.MaxExpansionRatio)
            {
                return ChunkFrame.Encode(SnapshotCodecs.Identity, content);
            }
        }

        return framed;
    }

    /// <summary>
    /// Reads and checks every chunk of a chunked snapshot (bounded parallel) and assembles its JSON.
    /// </summary>
    /// <returns>The JSON, or why the snapshot is damaged (naming the chunk and what failed).</returns>
    private async Task<(ReadOnlyMemory<byte> Json, string? Problem)> AssembleChunksAsync(string system, SnapshotHeader header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (_store is not ISnapshotStoreWithChunks store)
        {
            return (default, "a chunked snapshot on a store that keeps no chunks");
        }

        var manifest = ChunkManifest.Parse(payload.Span, _options.MaxStateBytes);
        if (manifest.RawLength != header.RawLength)
        {
            return (default, string.Create(CultureInfo.InvariantCulture, $"the chunks add up to {manifest.RawLength} bytes, the header says {header.RawLength}"));
        }

        var offsets = new long[manifest.Chunks.Count];
        for (var i = 1; i < offsets.Length; i++)
        {
            offsets[i] = offsets[i - 1] + manifest.Chunks[i - 1].Length;
        }

        var json = new byte[header.RawLength];
        var problems = new ConcurrentDictionary<int, string>();
        var stored = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Chunking.MaxParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, offsets.Length), parallel, async (i, ct) =>
        {
            var entry = manifest.Chunks[i];
            var chunk = await RetryAsync(c => new ValueTask<StoredChunk?>(store.ReadChunkAsync(system, entry.Id, c)), ct).ConfigureAwait(false);
            if (chunk is null)
            {
                problems[i] = $"chunk {entry.Id} is missing";
                return;
            }

            try
            {
                var content = ChunkFrame.Decode(entry.Id, chunk.Data, entry.Length, _options.MaxExpansionRatio);
                if (content.Length != entry.Length)
                {
                    problems[i] = string.Create(CultureInfo.InvariantCulture, $"chunk {entry.Id} holds {content.Length} bytes, the manifest says {entry.Length}");
                    return;
                }

                content.Span.CopyTo(json.AsSpan((int)offsets[i]));
                stored[entry.Id] = chunk.StoredUtc;
            }
            catch (EnvelopeFormatException ex)
            {
                problems[i] = $"chunk {entry.Id} is damaged: {ex.Message}";
            }
        }).ConfigureAwait(false);

        var known = KnownChunks(system);
        foreach (var (id, time) in stored)
        {
            known[id] = time;
        }

        if (problems.IsEmpty)
        {
            return (json, null);
        }

        foreach (var index in problems.Keys)
        {
            // Not known present any more: the next save puts it again, which heals the store.
            known.TryRemove(manifest.Chunks[index].Id, out _);
        }

        return (default, problems[problems.Keys.Min()]);
    }

    /// <summary>
    /// The re-check retention makes before deleting on the strength of a kept chunked snapshot: its envelope and manifest
    /// are read and checked, and each chunk's presence and a plausible stored length from one chunk listing per system.
    /// Reading every chunk of every kept snapshot on every save would cost more than chunking saves. Damage to a chunk's
    /// content is caught by load and verify, and then only the snapshots using that chunk fall back.
    /// </summary>
    private string? CheckChunksListed(ChunkManifest manifest, IReadOnlyDictionary<string, long> listed)
    {
        foreach (var entry in manifest.Chunks)
        {
            if (!listed.TryGetValue(entry.Id, out var length))
            {
                return $"chunk {entry.Id} is missing";
            }

            // A frame is a head of at least 14 bytes plus the content; compressed, no more than ratio times smaller, and
            // never much larger than plain.
            if (length < 14 || length * (long)_options.MaxExpansionRatio < entry.Length || length > entry.Length + (entry.Length / 128) + 1024)
            {
                return string.Create(CultureInfo.InvariantCulture, $"chunk {entry.Id} is stored as {length} bytes, implausible for {entry.Length} bytes of content");
            }
        }

        return null;
    }

    private async Task<Dictionary<string, long>> ListChunkLengthsAsync(ISnapshotStoreWithChunks store, string system, CancellationToken cancellationToken) =>
        await RetryAsync(
            async ct =>
            {
                var lengths = new Dictionary<string, long>(StringComparer.Ordinal);
                await foreach (var chunk in store.ListChunksAsync(system, ct).ConfigureAwait(false))
                {
                    lengths[chunk.Id] = chunk.Length;
                }

                return lengths;
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>Forgets a deleted snapshot (its verification and fingerprint); when it was chunked, its chunks may now be unreferenced.</summary>
    private void ForgetDeleted(string system, long sequence)
    {
        if (_verified.TryRemove((system, sequence), out var gone) && gone.Header.Codec == ChunkManifest.Codec)
        {
            _collectionDue[system] = 0;
        }
    }

    /// <summary>
    /// After a save whose retention removed a chunked snapshot: collects the system's chunks, at most once per quarter of
    /// the grace period (at once when it is zero). Never fails the save: the snapshot is already acknowledged.
    /// </summary>
    private async Task CollectChunksAfterSaveAsync(string system, CancellationToken cancellationToken)
    {
        if (_store is not ISnapshotStoreWithChunks || !_collectionDue.ContainsKey(system))
        {
            return;
        }

        var grace = _options.Chunking.GracePeriod;
        if (grace > TimeSpan.Zero && _lastCollection.TryGetValue(system, out var last) && _time.GetUtcNow() - last < grace / 4)
        {
            return;
        }

        try
        {
            await CollectChunksAsync(system, dryRun: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.ChunkCollectionFailed(_logger, system, ex);
        }
    }

    private readonly record struct ChunkedSave(byte[] Manifest, long ChunkBytesWritten);

    /// <param name="Json">The JSON the chunks were cut from (the offsets are into it, and into no other).</param>
    /// <param name="Pieces">Offset and length of each chunk in the JSON, in order.</param>
    /// <param name="Ids">Each chunk's id (the SHA-256 of its content).</param>
    private sealed record PreparedChunks(ReadOnlyMemory<byte> Json, List<(int Offset, int Length)> Pieces, string[] Ids);
}
