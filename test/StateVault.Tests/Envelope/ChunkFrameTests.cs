using System.Text;
using StateVault.Codecs;
using StateVault.Envelope;

namespace StateVault.Tests.Envelope;

/// <summary>The stored form of one chunk: every byte is checked against the chunk's id.</summary>
public sealed class ChunkFrameTests
{
    private static readonly byte[] s_content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"{{\"id\":{i},\"name\":\"item {i}\"}},")));

    [Theory]
    [InlineData(SnapshotCodecs.Identity)]
    [InlineData(SnapshotCodecs.Gzip)]
    [InlineData(SnapshotCodecs.Brotli)]
    [InlineData(SnapshotCodecs.Zstd)]
    public void Decode_EncodedChunk_ReturnsTheContent(string codec)
    {
        var id = ChunkFrame.IdOf(s_content);
        var framed = ChunkFrame.Encode(codec, s_content);

        var content = ChunkFrame.Decode(id, framed, 1 << 20, 1024);

        Assert.Equal(s_content, content.ToArray());
    }

    [Theory]
    [InlineData(SnapshotCodecs.Identity)]
    [InlineData(SnapshotCodecs.Zstd)]
    public void Decode_AnyByteFlippedOrTruncated_Throws(string codec)
    {
        var id = ChunkFrame.IdOf(s_content);
        var framed = ChunkFrame.Encode(codec, s_content);
        for (var i = 0; i < framed.Length; i += Math.Max(1, framed.Length / 300))
        {
            var damaged = (byte[])framed.Clone();
            damaged[i] ^= 0x10;
            Assert.Throws<EnvelopeFormatException>(() => ChunkFrame.Decode(id, damaged, 1 << 20, 1024));
            Assert.Throws<EnvelopeFormatException>(() => ChunkFrame.Decode(id, framed.AsMemory(0, i), 1 << 20, 1024));
        }
    }

    [Fact]
    public void Decode_ChunkStoredUnderAnotherId_Throws()
    {
        var framed = ChunkFrame.Encode(SnapshotCodecs.Identity, s_content);

        var ex = Assert.Throws<EnvelopeFormatException>(() => ChunkFrame.Decode(ChunkFrame.IdOf("other"u8), framed, 1 << 20, 1024));

        Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SVCHUNK/1 identity 99999999999\n")]
    [InlineData("SVCHUNK/1 zstd 1000000\n")]
    [InlineData("SVCHUNK/1 rot13 5\n")]
    [InlineData("SVCHUNK/1 identity -5\n")]
    [InlineData("SVCHUNK/1 identity 5")]
    public void Decode_CraftedHead_ThrowsWithoutAllocatingTheDeclaredSize(string head)
    {
        var framed = Encoding.ASCII.GetBytes(head + "hello");

        Assert.Throws<EnvelopeFormatException>(() => ChunkFrame.Decode(ChunkFrame.IdOf("hello"u8), framed, 1 << 20, 8));
    }
}
