using System.Text.Json;
using System.Text.Json.Serialization;
using StateVault.Storage;

namespace StateVault.Envelope;

/// <summary>
/// The payload of a chunked snapshot (header codec <see cref="Codec"/>): the ordered list of chunks whose decoded
/// contents, concatenated, are the state's JSON. As JSON: <c>{"chunks":[{"id":"&lt;64 hex&gt;","length":N},…]}</c>.
/// The envelope's checksums cover the manifest; each chunk's id covers the chunk (<see cref="ChunkFrame"/>).
/// </summary>
public sealed record ChunkManifest
{
    /// <summary>The header codec that marks a chunked snapshot.</summary>
    public const string Codec = "chunked";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    /// <summary>The chunks in order.</summary>
    [JsonPropertyName("chunks")] public required IReadOnlyList<ChunkManifestEntry> Chunks { get; init; }

    /// <summary>The decoded length of the whole state: the sum of the chunk lengths.</summary>
    [JsonIgnore] public long RawLength => Chunks.Sum(c => c.Length);

    /// <summary>The manifest as stored in the envelope's payload.</summary>
    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, s_json);

    /// <summary>Parses and checks a manifest: valid ids, positive lengths, a total within <paramref name="maxRawLength"/>.</summary>
    /// <exception cref="EnvelopeFormatException">The manifest is malformed; the message says how.</exception>
    public static ChunkManifest Parse(ReadOnlySpan<byte> payload, long maxRawLength)
    {
        ChunkManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ChunkManifest>(payload, s_json);
        }
        catch (JsonException ex)
        {
            throw new EnvelopeFormatException("chunk manifest is not valid JSON", ex);
        }

        if (manifest?.Chunks is null)
        {
            throw new EnvelopeFormatException("chunk manifest has no chunk list");
        }

        long total = 0;
        foreach (var entry in manifest.Chunks)
        {
            if (entry is null || !ChunkId.IsValid(entry.Id) || entry.Length <= 0)
            {
                throw new EnvelopeFormatException("chunk manifest names an invalid chunk");
            }

            total += entry.Length;
            if (total > maxRawLength)
            {
                throw new EnvelopeFormatException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"chunk manifest declares more than the maximum state size ({maxRawLength} bytes)"));
            }
        }

        return manifest;
    }
}
