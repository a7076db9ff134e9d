using System.Text;
using StateVault.Codecs;
using StateVault.Envelope;

namespace StateVault.TestKit;

/// <summary>
/// What a search of stored bytes must look at: a compressed payload hides any text in it from a plain byte search, so an
/// envelope is decoded (through the engine's envelope and codec readers) and its header and JSON searched as well.
/// </summary>
public static class StoredBytes
{
    /// <summary>
    /// The bytes as stored, plus, when they are a valid snapshot envelope, its header as JSON and its decoded payload.
    /// Anything else (lock and high-water files, damaged envelopes) is searched as it is.
    /// </summary>
    public static IReadOnlyList<byte[]> Views(byte[] stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var views = new List<byte[]> { stored };
        try
        {
            var (header, payload) = SnapshotEnvelope.Decode(stored);
            views.Add(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(header));
            views.Add(SnapshotCodecs.Decode(header.Codec, payload, header.RawLength).ToArray());
        }
        catch (Exception ex) when (ex is EnvelopeFormatException or InvalidDataException or ArgumentException)
        {
            // Not a snapshot: the raw bytes are all there is.
        }

        return views;
    }

    /// <summary>Whether the envelope's payload is stored compressed (a plain byte search would not see into it).</summary>
    public static bool IsCompressedEnvelope(byte[] stored)
    {
        try
        {
            return SnapshotEnvelope.Decode(stored).Header.Codec != SnapshotCodecs.Identity;
        }
        catch (EnvelopeFormatException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="text"/> (UTF-8) occurs in any view of <paramref name="stored"/>.</summary>
    public static bool Contains(byte[] stored, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        return Views(stored).Any(view => view.AsSpan().IndexOf(needle) >= 0);
    }
}
