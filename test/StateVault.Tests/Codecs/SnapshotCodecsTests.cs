using System.Text;
using CsCheck;
using StateVault.Codecs;

namespace StateVault.Tests.Codecs;

public sealed class SnapshotCodecsTests
{
    public static TheoryData<string> Codecs => new(SnapshotCodecs.All);

    public static TheoryData<string> CompressingCodecs => new(SnapshotCodecs.All.Where(c => c != SnapshotCodecs.Identity));

    // Random bytes (incompressible) and JSON-like text (compressible, as real states are).
    private static readonly Gen<byte[]> s_inputs = Gen.OneOf(
        Gen.Byte.Array[0, 20_000],
        Gen.String[Gen.Char["{}[]:,\"abcdefghij0123456789 _-"], 0, 20_000].Select(s => Encoding.UTF8.GetBytes(s)));

    [Theory]
    [MemberData(nameof(Codecs))]
    public void EncodeThenDecode_RandomInputs_RoundTrip(string codec)
    {
        s_inputs.Sample(raw =>
        {
            var encoded = SnapshotCodecs.Encode(codec, raw);

            var sut = SnapshotCodecs.Decode(codec, encoded, raw.Length);

            Assert.Equal(raw, sut.ToArray());
        }, iter: 150);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void EncodeThenDecode_LargeJson_RoundTrips(string codec)
    {
        var raw = Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Range(0, 60_000).Select(i => $$"""{"id":{{i}},"name":"item-{{i % 97}}"}""")) + "]");

        var encoded = SnapshotCodecs.Encode(codec, raw);
        var sut = SnapshotCodecs.Decode(codec, encoded, raw.Length);

        Assert.True(sut.Span.SequenceEqual(raw));
        if (codec != SnapshotCodecs.Identity)
        {
            Assert.True(encoded.Length < raw.Length / 3, $"{codec} should compress repetitive JSON ({encoded.Length} of {raw.Length})");
        }
    }

    [Theory]
    [MemberData(nameof(CompressingCodecs))]
    public void Decode_DamagedPayload_ThrowsInvalidDataOrKeepsTheLengthBound(string codec)
    {
        var gen =
            from raw in s_inputs
            let encoded = SnapshotCodecs.Encode(codec, raw).ToArray()
            where encoded.Length > 0 // an empty input encodes to no bytes: nothing to damage
            from position in Gen.Int[0, encoded.Length - 1]
            from mask in Gen.Byte[1, 255]
            select (raw, encoded, position, mask);

        gen.Sample((raw, encoded, position, mask) =>
        {
            var damaged = (byte[])encoded.Clone();
            damaged[position] ^= mask;

            // A codec without its own checksum (Brotli) may decode damage into other bytes; the envelope's SHA-256
            // catches that before decoding. What a codec must never do: throw anything else, or exceed the bound.
            try
            {
                var sut = SnapshotCodecs.Decode(codec, damaged, raw.Length);
                Assert.Equal(raw.Length, sut.Length);
            }
            catch (InvalidDataException)
            {
                // Clean failure.
            }
        }, iter: 300);
    }

    [Theory]
    [MemberData(nameof(CompressingCodecs))]
    public void Decode_TruncatedPayload_ThrowsInvalidDataOrReturnsTheOriginal(string codec)
    {
        var gen =
            from raw in s_inputs.Where(r => r.Length > 0)
            let encoded = SnapshotCodecs.Encode(codec, raw).ToArray()
            from length in Gen.Int[0, encoded.Length - 1]
            select (raw, encoded, length);

        gen.Sample((raw, encoded, length) =>
        {
            try
            {
                var sut = SnapshotCodecs.Decode(codec, encoded.AsMemory(0, length), raw.Length);
                // Only a cut inside a trailer the decoder does not need may still yield the data, and then all of it.
                Assert.Equal(raw, sut.ToArray());
            }
            catch (InvalidDataException)
            {
                // Clean failure.
            }
        }, iter: 300);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Decode_WrongExpectedLength_Throws(string codec)
    {
        var raw = Encoding.UTF8.GetBytes("""{"a":"some text that is long enough to compress, some text that is long enough"}""");
        var encoded = SnapshotCodecs.Encode(codec, raw);

        Assert.Throws<InvalidDataException>(() => SnapshotCodecs.Decode(codec, encoded, raw.Length - 1));
        Assert.Throws<InvalidDataException>(() => SnapshotCodecs.Decode(codec, encoded, raw.Length + 1));
        Assert.Throws<InvalidDataException>(() => SnapshotCodecs.Decode(codec, encoded, -1));
    }

    [Theory]
    [MemberData(nameof(CompressingCodecs))]
    public void Decode_DeclaredLengthFarAboveTheData_ThrowsWithoutAllocatingTheDeclaredLength(string codec)
    {
        var encoded = SnapshotCodecs.Encode(codec, "{\"a\":1}"u8.ToArray());
        var before = GC.GetAllocatedBytesForCurrentThread();

        Assert.Throws<InvalidDataException>(() => SnapshotCodecs.Decode(codec, encoded, 2_147_483_591));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 8 * 1024 * 1024, $"{codec}: decoding 7 bytes declared as 2 GiB allocated {allocated:N0} bytes");
    }

    [Theory]
    [MemberData(nameof(CompressingCodecs))]
    public void Decode_DataLongerThanDeclared_StopsAtTheFirstByteBeyondIt(string codec)
    {
        // 64 MiB of one byte compresses to a few KiB: a decoder that reads to the end would inflate it all.
        var raw = new byte[64 * 1024 * 1024];
        Array.Fill(raw, (byte)'x');
        var encoded = SnapshotCodecs.Encode(codec, raw);
        var before = GC.GetAllocatedBytesForCurrentThread();

        Assert.Throws<InvalidDataException>(() => SnapshotCodecs.Decode(codec, encoded, 1000));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 8 * 1024 * 1024, $"{codec}: allocated {allocated:N0} bytes");
    }

    [Theory]
    [MemberData(nameof(CompressingCodecs))]
    public void Decode_GarbageInput_ThrowsInvalidData(string codec)
    {
        var garbage = Enumerable.Range(0, 300).Select(i => (byte)(i * 37)).ToArray();

        Assert.Throws<InvalidDataException>(() => SnapshotCodecs.Decode(codec, garbage, 1_000));
    }

    [Fact]
    public void Decode_UnknownCodec_ThrowsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => SnapshotCodecs.Decode("lz4", new byte[3], 3));
    }

    [Fact]
    public void Encode_UnknownCodec_ThrowsArgument()
    {
        Assert.Throws<ArgumentException>(() => SnapshotCodecs.Encode("lz4", new byte[3]));
    }

    [Theory]
    [InlineData(100, "identity")]
    [InlineData(65_535, "identity")]
    [InlineData(65_536, "zstd")]
    [InlineData(10_000_000, "zstd")]
    public void Select_DefaultThreshold_KeepsSmallSnapshotsPlainJson(int rawLength, string expected)
    {
        var sut = new CompressionOptions();

        Assert.Equal(expected, sut.Select("any", rawLength));
    }

    [Fact]
    public void Select_PerSystemOverride_AppliesAboveThresholdOnly()
    {
        var sut = new CompressionOptions { Threshold = 10 };
        sut.PerSystem["logs"] = SnapshotCodecs.Brotli;

        Assert.Equal(SnapshotCodecs.Brotli, sut.Select("logs", 10));
        Assert.Equal(SnapshotCodecs.Identity, sut.Select("logs", 9));
        Assert.Equal(SnapshotCodecs.Zstd, sut.Select("other", 10));
    }
}
