using System.Text;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>
/// Builds chunked snapshots as the engine writes them (framed chunks, a manifest envelope), for tests of the layers that
/// store, check and copy them without a chunking engine.
/// </summary>
public static class ChunkedEnvelopes
{
    /// <summary>One chunk: its id and framed bytes.</summary>
    public sealed record Chunk(string Id, byte[] Framed);

    /// <summary>
    /// A chunked snapshot of <paramref name="system"/> at <paramref name="sequence"/> whose state is the concatenation of
    /// <paramref name="parts"/> (together one JSON document), one chunk per part, framed with <paramref name="codec"/>.
    /// </summary>
    public static (EnvelopeBytes Envelope, IReadOnlyList<Chunk> Chunks) Create(string system, long sequence, IReadOnlyList<string> parts, string codec = SnapshotCodecs.Zstd)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var chunks = new List<Chunk>();
        var entries = new List<ChunkManifestEntry>();
        foreach (var part in parts)
        {
            var content = Encoding.UTF8.GetBytes(part);
            var id = ChunkFrame.IdOf(content);
            chunks.Add(new Chunk(id, ChunkFrame.Encode(codec, content)));
            entries.Add(new ChunkManifestEntry { Id = id, Length = content.Length });
        }

        var manifest = new ChunkManifest { Chunks = entries }.ToUtf8();
        var header = new SnapshotHeader
        {
            System = system,
            Sequence = sequence,
            CreatedUtc = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            SchemaVersion = 1,
            StateType = "test",
            Codec = ChunkManifest.Codec,
            StoredLength = manifest.Length,
            RawLength = entries.Sum(e => e.Length),
            Sha256 = SnapshotEnvelope.Sha256Hex(manifest),
            Producer = "test",
        };
        return (SnapshotEnvelope.Create(header, manifest), chunks);
    }

    /// <summary>Puts the chunks, then appends the envelope (the engine's order); returns the sequence taken.</summary>
    public static async Task<long> AppendAsync(ISnapshotStoreWithChunks store, string system, IReadOnlyList<string> parts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var latest = await store.GetLatestSequenceAsync(system, cancellationToken).ConfigureAwait(false);
        var (envelope, chunks) = Create(system, latest + 1, parts);
        foreach (var chunk in chunks)
        {
            await store.PutChunkAsync(system, chunk.Id, chunk.Framed, cancellationToken).ConfigureAwait(false);
        }

        return await store.AppendAsync(system, latest, _ => envelope, cancellationToken).ConfigureAwait(false);
    }
}
