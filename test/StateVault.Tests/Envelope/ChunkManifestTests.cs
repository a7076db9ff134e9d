using System.Text;
using StateVault.Envelope;

namespace StateVault.Tests.Envelope;

/// <summary>The payload of a chunked snapshot.</summary>
public sealed class ChunkManifestTests
{
    private static readonly string s_id = new('a', 64);

    [Fact]
    public void Parse_Written_RoundTrips()
    {
        var manifest = new ChunkManifest { Chunks = [new ChunkManifestEntry { Id = s_id, Length = 10 }, new ChunkManifestEntry { Id = new string('b', 64), Length = 5 }] };

        var parsed = ChunkManifest.Parse(manifest.ToUtf8(), 100);

        Assert.Equal(manifest.Chunks, parsed.Chunks);
        Assert.Equal(15, parsed.RawLength);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("""{"chunks":null}""")]
    [InlineData("""{"chunks":[null]}""")]
    [InlineData("""{"chunks":[{"id":"../x","length":1}]}""")]
    [InlineData("""{"chunks":[{"id":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","length":1}]}""")]
    [InlineData("""{"chunks":[{"id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","length":0}]}""")]
    [InlineData("""{"chunks":[{"id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","length":-1}]}""")]
    [InlineData("""{"chunks":[{"id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","length":60},{"id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","length":60}]}""")]
    public void Parse_Malformed_ThrowsEnvelopeFormatException(string json)
    {
        Assert.Throws<EnvelopeFormatException>(() => ChunkManifest.Parse(Encoding.UTF8.GetBytes(json), 100));
    }
}
