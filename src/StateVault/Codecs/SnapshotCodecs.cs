using System.IO.Compression;

namespace StateVault.Codecs;

/// <summary>
/// The payload codecs. Names are stored in every snapshot header, so they never change:
/// <c>identity</c> (the JSON as is), <c>gzip</c>, <c>brotli</c>, <c>zstd</c>.
/// </summary>
public static class SnapshotCodecs
{
    /// <summary>The payload is the state's JSON, readable with ordinary tools.</summary>
    public const string Identity = "identity";

    /// <summary>RFC 1952 gzip.</summary>
    public const string Gzip = "gzip";

    /// <summary>Brotli (RFC 7932).</summary>
    public const string Brotli = "brotli";

    /// <summary>Zstandard, through ZstdSharp.</summary>
    public const string Zstd = "zstd";

    // Level 1: on JSON states it compresses about as well as the default level 3 at two to four times the speed, and a
    // save waits for the compression (measured with `bench/StateVault.Benchmarks -- phases`).
    private const int ZstdLevel = 1;

    /// <summary>All codec names this version can read and write.</summary>
    public static IReadOnlyList<string> All { get; } = [Identity, Gzip, Brotli, Zstd];

    /// <summary>Whether <paramref name="codec"/> is a known codec name.</summary>
    public static bool IsKnown(string? codec) => codec is not null && All.Contains(codec, StringComparer.Ordinal);

    /// <summary>Encodes <paramref name="raw"/> with the named codec.</summary>
    public static ReadOnlyMemory<byte> Encode(string codec, ReadOnlyMemory<byte> raw)
    {
        switch (codec)
        {
            case Identity:
                return raw;
            case Gzip:
                return Compress(raw, s => new GZipStream(s, CompressionLevel.Fastest, leaveOpen: true));
            case Brotli:
                return Compress(raw, s => new BrotliStream(s, CompressionLevel.Fastest, leaveOpen: true));
            case Zstd:
                using (var compressor = new ZstdSharp.Compressor(ZstdLevel))
                {
                    // Compress straight into the final buffer (Wrap(span) would compress into one and copy to another).
                    var output = new byte[ZstdSharp.Compressor.GetCompressBound(raw.Length)];
                    var written = compressor.Wrap(raw.Span, output);
                    return output.AsMemory(0, written);
                }

            default:
                throw new ArgumentException($"Unknown codec '{codec}'. Known: {string.Join(", ", All)}.", nameof(codec));
        }
    }

    /// <summary>
    /// Encodes like <see cref="Encode"/>, into a pooled buffer when the codec allows (zstd): dispose the result once the
    /// payload is written, and do not use its memory after that.
    /// </summary>
    internal static PooledPayload EncodePooled(string codec, ReadOnlyMemory<byte> raw)
    {
        if (codec != Zstd)
        {
            return new PooledPayload(Encode(codec, raw), null);
        }

        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(ZstdSharp.Compressor.GetCompressBound(raw.Length));
        try
        {
            using var compressor = new ZstdSharp.Compressor(ZstdLevel);
            var written = compressor.Wrap(raw.Span, rented);
            return new PooledPayload(rented.AsMemory(0, written), rented);
        }
        catch
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            throw;
        }
    }

    /// <summary>An encoded payload, possibly in a pooled array that <see cref="Dispose"/> returns.</summary>
    internal readonly struct PooledPayload(ReadOnlyMemory<byte> memory, byte[]? rented) : IDisposable
    {
        public ReadOnlyMemory<byte> Memory { get; } = memory;

        public void Dispose()
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Decodes a payload. <paramref name="expectedLength"/> bounds the output, so a damaged payload cannot expand without limit.</summary>
    /// <exception cref="InvalidDataException">The payload does not decode to exactly <paramref name="expectedLength"/> bytes
    /// (the only exception a damaged payload can cause).</exception>
    public static ReadOnlyMemory<byte> Decode(string codec, ReadOnlyMemory<byte> stored, long expectedLength) =>
        Decode(codec, stored, expectedLength, Array.MaxLength);

    /// <summary>
    /// Decodes a payload that must be exactly <paramref name="expectedLength"/> bytes, at most <paramref name="maxLength"/>.
    /// </summary>
    /// <remarks>
    /// The declared length is not trusted for memory: decoding is streamed into a buffer that grows as output arrives, never
    /// beyond <paramref name="expectedLength"/>, and stops at the first byte past it. A payload declaring gigabytes that
    /// decodes to a few bytes allocates a few kilobytes.
    /// </remarks>
    /// <exception cref="InvalidDataException">The payload does not decode to exactly <paramref name="expectedLength"/> bytes,
    /// or that length is above <paramref name="maxLength"/>.</exception>
    public static ReadOnlyMemory<byte> Decode(string codec, ReadOnlyMemory<byte> stored, long expectedLength, long maxLength)
    {
        if (expectedLength < 0 || expectedLength > Math.Min(maxLength, Array.MaxLength))
        {
            throw new InvalidDataException($"raw length {expectedLength} is out of range (at most {Math.Min(maxLength, Array.MaxLength)})");
        }

        try
        {
            return DecodeCore(codec, stored, (int)expectedLength);
        }
        catch (Exception ex) when (ex is not InvalidDataException and not OutOfMemoryException)
        {
            // Decoders report damage in their own ways (Brotli: InvalidOperationException, zstd: ZstdException,
            // others: ArgumentException); callers handle exactly one kind.
            throw new InvalidDataException($"{codec} payload does not decode ({ex.GetType().Name})", ex);
        }
    }

    private static ReadOnlyMemory<byte> DecodeCore(string codec, ReadOnlyMemory<byte> stored, int expectedLength)
    {
        switch (codec)
        {
            case Identity:
                if (stored.Length != expectedLength)
                {
                    throw new InvalidDataException("raw length mismatch");
                }

                return stored;
            case Gzip:
                return Decompress(stored, expectedLength, s => new GZipStream(s, CompressionMode.Decompress));
            case Brotli:
                return Decompress(stored, expectedLength, s => new BrotliStream(s, CompressionMode.Decompress));
            case Zstd:
                return Decompress(stored, expectedLength, s => new ZstdSharp.DecompressionStream(s));
            default:
                throw new InvalidDataException($"unknown codec '{codec}'");
        }
    }

    private static Stream AsStream(ReadOnlyMemory<byte> bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    private static byte[] Compress(ReadOnlyMemory<byte> raw, Func<Stream, Stream> wrap)
    {
        using var output = new MemoryStream(capacity: Math.Max(256, raw.Length / 4));
        using (var compressor = wrap(output))
        {
            compressor.Write(raw.Span);
        }

        return output.ToArray();
    }

    // The first buffer holds what the stored bytes plausibly expand to (JSON compresses 3-15x); it then doubles as output
    // arrives, capped at the expected length. Memory follows what was decoded, never what a header claims.
    private const int MinDecodeBuffer = 64 * 1024;
    private const int TypicalExpansion = 8;

    private static byte[] Decompress(ReadOnlyMemory<byte> stored, int expectedLength, Func<Stream, Stream> wrap)
    {
        using var input = AsStream(stored);
        using var decompressor = wrap(input);
        var result = new byte[Math.Min(expectedLength, Math.Max(MinDecodeBuffer, (int)Math.Min(Array.MaxLength, (long)stored.Length * TypicalExpansion)))];
        var total = 0;
        while (true)
        {
            if (total == result.Length)
            {
                if (total == expectedLength)
                {
                    break;
                }

                Array.Resize(ref result, (int)Math.Min(expectedLength, Math.Max(MinDecodeBuffer, (long)total * 2)));
            }

            var read = decompressor.Read(result, total, result.Length - total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        // One byte past the declared length is enough to call it damaged: the rest is never inflated.
        Span<byte> probe = stackalloc byte[1];
        if (total != expectedLength || decompressor.Read(probe) != 0)
        {
            throw new InvalidDataException("raw length mismatch");
        }

        return result;
    }
}
