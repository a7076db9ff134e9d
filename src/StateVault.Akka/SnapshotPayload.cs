using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Akka.Actor;
using AkkaSerialization = Akka.Serialization.Serialization;

namespace StateVault.Akka;

/// <summary>
/// The JSON document a snapshot is stored as: <c>{"serializer_id":…,"manifest":"…","format":"json|text|hex","payload":…}</c>.
/// The payload is what the snapshot's Akka serializer produced, kept exactly: inline when it is a JSON document (Akka's default
/// JSON serializer), a JSON string when it is plain UTF-8 text, lowercase hex otherwise. Inline JSON and text stay readable,
/// diffable and secret-scanned; hex cannot hold a secret-looking pattern, so binary payloads are scanned as text separately.
/// </summary>
internal static class SnapshotPayload
{
    internal const string JsonFormat = "json";
    internal const string TextFormat = "text";
    internal const string HexFormat = "hex";

    /// <summary>Serializes <paramref name="snapshot"/> with its Akka serializer and wraps the bytes.</summary>
    public static Encoded Encode(ExtendedActorSystem system, object snapshot)
    {
        var serializer = system.Serialization.FindSerializerFor(snapshot);
        var manifest = AkkaSerialization.ManifestFor(serializer, snapshot);
        // Actor references inside a snapshot serialize with this system's address, as Akka's own snapshot stores do.
        var bytes = AkkaSerialization.WithTransport(system, () => serializer.ToBinary(snapshot));
        return Wrap(serializer.Identifier, manifest, bytes);
    }

    /// <summary>Wraps serialized bytes in the stored JSON document.</summary>
    public static Encoded Wrap(int serializerId, string manifest, byte[] bytes)
    {
        var utf8 = Utf8.IsValid(bytes);
        var format = utf8 && IsJsonDocument(bytes) ? JsonFormat : utf8 && IsPlainText(bytes) ? TextFormat : HexFormat;
        var buffer = new ArrayBufferWriter<byte>(bytes.Length * (format == HexFormat ? 2 : 1) + 128 + manifest.Length);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("serializer_id", serializerId);
            writer.WriteString("manifest", manifest);
            writer.WriteString("format", format);
            writer.WritePropertyName("payload");
            switch (format)
            {
                case JsonFormat:
                    writer.WriteRawValue(bytes, skipInputValidation: true); // validated by IsJsonDocument
                    break;
                case TextFormat:
                    writer.WriteStringValue(Encoding.UTF8.GetString(bytes));
                    break;
                default:
                    writer.WriteStringValue(Convert.ToHexStringLower(bytes));
                    break;
            }

            writer.WriteEndObject();
        }

        return new Encoded(buffer.WrittenMemory, format == HexFormat ? bytes : null);
    }

    /// <summary>Reads the serializer id, manifest and exact payload bytes back.</summary>
    /// <exception cref="FormatException">The document is not a snapshot payload.</exception>
    public static (int SerializerId, string Manifest, byte[] Bytes) Unwrap(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("serializer_id", out var id) || !id.TryGetInt32(out var serializerId)
            || !root.TryGetProperty("manifest", out var manifest) || manifest.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("payload", out var payload))
        {
            throw new FormatException("The snapshot is not an Akka snapshot payload (serializer_id, manifest, format, payload).");
        }

        var bytes = format.GetString() switch
        {
            JsonFormat => JsonMarshal.GetRawUtf8Value(payload).ToArray(),
            TextFormat when payload.ValueKind == JsonValueKind.String => Encoding.UTF8.GetBytes(payload.GetString()!),
            HexFormat when payload.ValueKind == JsonValueKind.String => Convert.FromHexString(payload.GetString()!),
            var other => throw new FormatException($"Unknown Akka snapshot payload format '{other}'."),
        };
        return (serializerId, manifest.GetString()!, bytes);
    }

    private static bool IsJsonDocument(byte[] bytes)
    {
        if (bytes.Length == 0 || bytes[0] is 0xEF)
        {
            return false; // empty, or a byte order mark that a raw JSON value may not carry
        }

        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            // A single complete value; the reader fails on anything after it.
            while (reader.Read())
            {
            }

            return reader.BytesConsumed == bytes.Length && reader.CurrentDepth == 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsPlainText(byte[] bytes)
    {
        // Control characters other than tab and line breaks would be \u-escaped, which makes the secret scanner read every
        // string; such payloads are binary in practice.
        if (bytes.AsSpan().IndexOfAnyInRange((byte)0, (byte)8) >= 0 || bytes.AsSpan().IndexOfAnyInRange((byte)11, (byte)12) >= 0
            || bytes.AsSpan().IndexOfAnyInRange((byte)14, (byte)31) >= 0 || bytes.AsSpan().IndexOf((byte)127) >= 0)
        {
            return false;
        }

        return true;
    }

    /// <summary>The stored document, and the raw bytes when they are binary (hex) and need their own secret scan.</summary>
    internal readonly record struct Encoded(ReadOnlyMemory<byte> Json, byte[]? Binary);
}
