using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using StateVault.Storage;

namespace StateVault.Envelope;

/// <summary>
/// Reads and writes the snapshot envelope, the same bytes on every store:
/// <code>
/// SVSNAP/1 &lt;sha256 of the header line, lowercase hex&gt;\n
/// {one-line JSON header}\n
/// payload (stored_length bytes; for the identity codec, the state's JSON)
/// </code>
/// The magic line's checksum covers the header; the header's length and SHA-256 cover the payload.
/// A flipped byte anywhere or a truncation at any length fails <see cref="Decode"/>.
/// </summary>
public static class SnapshotEnvelope
{
    /// <summary>The magic and format version at the start of every envelope.</summary>
    public const string Magic = "SVSNAP/1";

    private const int HashHexLength = 64;
    private const int MagicLineLength = 8 + 1 + HashHexLength + 1; // "SVSNAP/1 " + hex + '\n'
    private const int MaxHeaderLength = 1 << 20;

    private static readonly byte[] s_magicPrefix = Encoding.ASCII.GetBytes(Magic + " ");
    private static readonly JsonSerializerOptions s_headerJson = new()
    {
        WriteIndented = false,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonWriterOptions s_headerWriter = new() { Encoder = s_headerJson.Encoder, Indented = false };

    /// <summary>Builds the envelope of a payload under a header (whose length and SHA-256 must describe the payload).</summary>
    public static EnvelopeBytes Create(SnapshotHeader header, ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.StoredLength != payload.Length)
        {
            throw new ArgumentException("The header's stored length does not match the payload.", nameof(header));
        }

        // The relaxed encoder never emits a raw line feed: control characters inside strings are escaped.
        var headerBytes = SerializeHeader(header);
        var head = new byte[MagicLineLength + headerBytes.Length + 1];
        s_magicPrefix.CopyTo(head, 0);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(headerBytes, hash);
        WriteHex(hash, head.AsSpan(s_magicPrefix.Length, HashHexLength));
        head[MagicLineLength - 1] = (byte)'\n';
        headerBytes.CopyTo(head, MagicLineLength);
        head[^1] = (byte)'\n';
        return new EnvelopeBytes(head, payload, header);
    }

    /// <summary>
    /// The header line's JSON: the bytes <see cref="JsonSerializer"/> writes for <see cref="SnapshotHeader"/> with the header's
    /// options (properties in declaration order, nulls left out, the relaxed encoder), written directly. Every save builds
    /// one, and the serializer's general path costs several times as much when its code is not in the CPU's caches.
    /// </summary>
    internal static byte[] SerializeHeader(SnapshotHeader header)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, s_headerWriter))
        {
            writer.WriteStartObject();
            WriteStringUnlessNull(writer, "system"u8, header.System);
            writer.WriteNumber("sequence"u8, header.Sequence);
            writer.WriteString("created_utc"u8, header.CreatedUtc);
            writer.WriteNumber("schema_version"u8, header.SchemaVersion);
            WriteStringUnlessNull(writer, "state_type"u8, header.StateType);
            WriteStringUnlessNull(writer, "codec"u8, header.Codec);
            writer.WriteNumber("stored_length"u8, header.StoredLength);
            writer.WriteNumber("raw_length"u8, header.RawLength);
            WriteStringUnlessNull(writer, "sha256"u8, header.Sha256);
            WriteStringUnlessNull(writer, "producer"u8, header.Producer);
            WriteStringUnlessNull(writer, "writer"u8, header.Writer);
            if (header.Tags is { } tags)
            {
                writer.WriteStartArray("tags"u8);
                foreach (var tag in tags)
                {
                    writer.WriteStringValue(tag);
                }

                writer.WriteEndArray();
            }

            if (header.Attributes is { } attributes)
            {
                writer.WriteStartObject("attributes"u8);
                foreach (var (key, value) in attributes)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteStringUnlessNull(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>The SHA-256 of <paramref name="data"/> as lowercase hex.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// Parses and verifies only the header (the magic line's checksum), without checking the payload.
    /// Use it for listing; use <see cref="Decode"/> before trusting any payload byte.
    /// </summary>
    /// <exception cref="EnvelopeFormatException">The magic line or header is damaged.</exception>
    public static SnapshotHeader ReadHeader(ReadOnlySpan<byte> envelope) => ParseHead(envelope, out _);

    /// <summary>
    /// The header of envelope bytes as a store receives them (for listing columns), or <see langword="null"/> when the head
    /// does not parse. Like <see cref="ReadHeader"/>, it checks the header only, never the payload.
    /// </summary>
    public static SnapshotHeader? TryReadHeader(EnvelopeBytes envelope)
    {
        if (envelope.Header is { } built)
        {
            return built; // the header these bytes were built from in this process: parsing them again gives the same
        }

        try
        {
            // Create puts the magic and header lines in Head; a whole envelope held in one buffer has an empty Head.
            return ReadHeader(envelope.Head.IsEmpty ? envelope.Payload.Span : envelope.Head.Span);
        }
        catch (EnvelopeFormatException)
        {
            return null;
        }
    }

    /// <summary>Verifies the whole envelope and returns the header and the stored payload (still encoded).</summary>
    /// <exception cref="EnvelopeFormatException">Any check failed; the message says which.</exception>
    public static (SnapshotHeader Header, ReadOnlyMemory<byte> Payload) Decode(ReadOnlyMemory<byte> envelope)
    {
        var header = ParseHead(envelope.Span, out var payloadOffset);
        var payload = envelope[payloadOffset..];
        if (payload.Length != header.StoredLength)
        {
            throw new EnvelopeFormatException($"payload is {payload.Length} bytes, the header says {header.StoredLength} (truncated or extended)");
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(payload.Span, hash);
        Span<byte> hex = stackalloc byte[HashHexLength];
        WriteHex(hash, hex);
        if (header.Sha256.Length != HashHexLength || !Encoding.ASCII.GetBytes(header.Sha256).AsSpan().SequenceEqual(hex))
        {
            throw new EnvelopeFormatException("payload checksum mismatch");
        }

        return (header, payload);
    }

    private static SnapshotHeader ParseHead(ReadOnlySpan<byte> envelope, out int payloadOffset)
    {
        if (envelope.Length < MagicLineLength || !envelope[..s_magicPrefix.Length].SequenceEqual(s_magicPrefix))
        {
            throw new EnvelopeFormatException("not a StateVault snapshot (bad magic line)");
        }

        if (envelope[MagicLineLength - 1] != (byte)'\n')
        {
            throw new EnvelopeFormatException("bad magic line terminator");
        }

        var expectedHex = envelope.Slice(s_magicPrefix.Length, HashHexLength);
        var rest = envelope[MagicLineLength..];
        var end = rest[..Math.Min(rest.Length, MaxHeaderLength)].IndexOf((byte)'\n');
        if (end < 0)
        {
            throw new EnvelopeFormatException("header line is not terminated (truncated)");
        }

        var headerBytes = rest[..end];
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(headerBytes, hash);
        Span<byte> actualHex = stackalloc byte[HashHexLength];
        WriteHex(hash, actualHex);
        if (!actualHex.SequenceEqual(expectedHex))
        {
            throw new EnvelopeFormatException("header checksum mismatch");
        }

        SnapshotHeader? header;
        try
        {
            header = JsonSerializer.Deserialize<SnapshotHeader>(headerBytes, s_headerJson);
        }
        catch (JsonException ex)
        {
            throw new EnvelopeFormatException("header is not valid JSON", ex);
        }

        if (header is null || !SnapshotSequence.IsValid(header.Sequence) || header.StoredLength < 0 || header.RawLength < 0)
        {
            throw new EnvelopeFormatException("header fields are out of range");
        }

        payloadOffset = MagicLineLength + end + 1;
        return header;
    }

    private static void WriteHex(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        const string Digits = "0123456789abcdef";
        for (var i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = (byte)Digits[bytes[i] >> 4];
            destination[(2 * i) + 1] = (byte)Digits[bytes[i] & 0xF];
        }
    }
}
