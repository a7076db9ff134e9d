using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using StateVault.Codecs;
using StateVault.Storage;

namespace StateVault.Envelope;

/// <summary>
/// The bytes of one stored chunk, the same on every store:
/// <code>
/// SVCHUNK/1 &lt;codec&gt; &lt;decoded length&gt;\n
/// encoded bytes
/// </code>
/// The chunk's id is the SHA-256 of its decoded bytes (<see cref="ChunkId"/>), so <see cref="Decode"/> checks every byte:
/// a flipped bit, a truncation, a wrong codec or a chunk stored under another chunk's id fails it.
/// </summary>
public static class ChunkFrame
{
    /// <summary>The magic and format version at the start of every chunk.</summary>
    public const string Magic = "SVCHUNK/1";

    private const int MaxHeadLength = 64;
    private static readonly byte[] s_magicPrefix = Encoding.ASCII.GetBytes(Magic + " ");

    /// <summary>The id of decoded chunk content: its SHA-256 as lowercase hex.</summary>
    public static string IdOf(ReadOnlySpan<byte> content) => SnapshotEnvelope.Sha256Hex(content);

    /// <summary>Frames <paramref name="content"/> encoded with <paramref name="codec"/>.</summary>
    /// <exception cref="ArgumentException">Unknown codec.</exception>
    public static byte[] Encode(string codec, ReadOnlyMemory<byte> content)
    {
        if (!SnapshotCodecs.IsKnown(codec))
        {
            throw new ArgumentException($"Unknown codec '{codec}'.", nameof(codec));
        }

        var encoded = SnapshotCodecs.Encode(codec, content);
        var head = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Magic} {codec} {content.Length}\n"));
        var framed = new byte[head.Length + encoded.Length];
        head.CopyTo(framed, 0);
        encoded.Span.CopyTo(framed.AsSpan(head.Length));
        return framed;
    }

    /// <summary>Checks a stored chunk against its id and returns its decoded content.</summary>
    /// <param name="id">The id the chunk is stored under.</param>
    /// <param name="framed">The stored bytes.</param>
    /// <param name="maxLength">The most decoded bytes accepted (a crafted head must never size an allocation).</param>
    /// <param name="maxExpansionRatio">The most a compressed chunk may expand.</param>
    /// <exception cref="EnvelopeFormatException">Any check failed; the message says which.</exception>
    public static ReadOnlyMemory<byte> Decode(string id, ReadOnlyMemory<byte> framed, long maxLength, int maxExpansionRatio)
    {
        var span = framed.Span;
        if (!span.StartsWith(s_magicPrefix))
        {
            throw new EnvelopeFormatException("not a StateVault chunk (bad magic)");
        }

        var end = span[..Math.Min(span.Length, MaxHeadLength)].IndexOf((byte)'\n');
        if (end < 0)
        {
            throw new EnvelopeFormatException("chunk head is not terminated (truncated)");
        }

        var fields = Encoding.ASCII.GetString(span[s_magicPrefix.Length..end]).Split(' ');
        if (fields.Length != 2 || !SnapshotCodecs.IsKnown(fields[0])
            || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            throw new EnvelopeFormatException("chunk head is malformed");
        }

        var encoded = framed[(end + 1)..];
        if (length > maxLength)
        {
            throw new EnvelopeFormatException(string.Create(CultureInfo.InvariantCulture, $"chunk declares {length} bytes, more than the maximum ({maxLength})"));
        }

        if (fields[0] != SnapshotCodecs.Identity && length > encoded.Length * (long)maxExpansionRatio)
        {
            throw new EnvelopeFormatException(string.Create(CultureInfo.InvariantCulture, $"chunk declares {length} bytes from {encoded.Length} stored, an expansion above the maximum ratio ({maxExpansionRatio}:1)"));
        }

        ReadOnlyMemory<byte> content;
        try
        {
            content = SnapshotCodecs.Decode(fields[0], encoded, length, maxLength);
        }
        catch (InvalidDataException ex)
        {
            throw new EnvelopeFormatException($"chunk does not decode ({ex.Message})", ex);
        }

        if (content.Length != length)
        {
            throw new EnvelopeFormatException("chunk length mismatch");
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(content.Span, hash);
        if (!string.Equals(Convert.ToHexStringLower(hash), id, StringComparison.Ordinal))
        {
            throw new EnvelopeFormatException("chunk checksum mismatch");
        }

        return content;
    }
}
