using System.Text;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Secrets;
using StateVault.Tests.Support;

namespace StateVault.Tests.Envelope;

/// <summary>A chunked envelope made elsewhere is checked with the chunks it names, read from where it is going.</summary>
public sealed class IncomingChunkedEnvelopeTests
{
    private const long Max = 1024 * 1024;

    private static (byte[] Envelope, Dictionary<string, byte[]> Chunks) Chunked(params string[] parts)
    {
        var chunks = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var entries = new List<ChunkManifestEntry>();
        foreach (var part in parts)
        {
            var content = Encoding.UTF8.GetBytes(part);
            var id = ChunkFrame.IdOf(content);
            chunks[id] = ChunkFrame.Encode(SnapshotCodecs.Zstd, content);
            entries.Add(new ChunkManifestEntry { Id = id, Length = content.Length });
        }

        var manifest = new ChunkManifest { Chunks = entries }.ToUtf8();
        var header = new SnapshotHeader
        {
            System = "sys",
            Sequence = 3,
            CreatedUtc = DateTimeOffset.UnixEpoch,
            SchemaVersion = 1,
            StateType = "json",
            Codec = ChunkManifest.Codec,
            StoredLength = manifest.Length,
            RawLength = entries.Sum(e => e.Length),
            Sha256 = SnapshotEnvelope.Sha256Hex(manifest),
        };
        return (SnapshotEnvelope.Create(header, manifest).ToArray(), chunks);
    }

    private static Task<SnapshotHeader> CheckAsync(byte[] envelope, Dictionary<string, byte[]> chunks) =>
        IncomingEnvelope.CheckAsync(envelope, "sys", 3, Max, 1024, SecretPolicy.Reject, (id, _) => Task.FromResult(chunks.GetValueOrDefault(id)), CancellationToken.None);

    [Fact]
    public async Task CheckAsync_ChunksPresent_ReturnsHeader()
    {
        var (envelope, chunks) = Chunked("""{"items":[1,2,""", "3,4]}");

        var header = await CheckAsync(envelope, chunks);

        Assert.Equal(ChunkManifest.Codec, header.Codec);
    }

    [Fact]
    public void Check_ChunkedWithoutChunkReader_IsRefused()
    {
        var (envelope, _) = Chunked("""{"a":1}""");

        var ex = Assert.Throws<IncomingEnvelopeException>(() => IncomingEnvelope.Check(envelope, "sys", 3, Max, SecretPolicy.Reject));

        Assert.Equal(IncomingEnvelopeRejection.NotAState, ex.Rejection);
    }

    [Fact]
    public async Task CheckAsync_ChunkMissing_IsRefusedNamingIt()
    {
        var (envelope, chunks) = Chunked("""{"a":""", "1}");
        var missing = chunks.Keys.Last();
        chunks.Remove(missing);

        var ex = await Assert.ThrowsAsync<IncomingEnvelopeException>(() => CheckAsync(envelope, chunks));

        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_ChunkDamaged_IsRefused()
    {
        var (envelope, chunks) = Chunked("""{"a":""", "1}");
        var id = chunks.Keys.First();
        chunks[id] = ChunkFrame.Encode(SnapshotCodecs.Identity, "{\"b\":"u8.ToArray());

        var ex = await Assert.ThrowsAsync<IncomingEnvelopeException>(() => CheckAsync(envelope, chunks));

        Assert.Contains("damaged", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_AssembledStateNotJson_IsRefused()
    {
        var (envelope, chunks) = Chunked("""{"a":""", "1");

        var ex = await Assert.ThrowsAsync<IncomingEnvelopeException>(() => CheckAsync(envelope, chunks));

        Assert.Equal(IncomingEnvelopeRejection.NotAState, ex.Rejection);
    }

    [Fact]
    public async Task CheckAsync_SecretSplitAcrossChunks_IsFound()
    {
        var key = FakeSecrets.OpenAiProject;
        var (envelope, chunks) = Chunked("{\"x\":\"" + key[..10], key[10..] + "\"}");

        await Assert.ThrowsAsync<SecretDetectedException>(() => CheckAsync(envelope, chunks));
    }
}
