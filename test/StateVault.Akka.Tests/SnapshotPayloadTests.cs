using System.Text;
using Xunit;

namespace StateVault.Akka.Tests;

public sealed class SnapshotPayloadTests
{
    [Theory]
    [InlineData("{\"$type\":\"X, Y\",\"a\":[1,2.50,\"\\u00e9\"]}", "json")]
    [InlineData(".a", "text")]
    [InlineData("line one\nline two \u00e9", "text")]
    [InlineData("{\"a\":1} trailing", "text")]
    public void WrapUnwrap_TextPayloads_RoundTripExactlyInTheirFormat(string payload, string format)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);

        var sut = SnapshotPayload.Wrap(77124, "A", bytes);
        var (id, manifest, back) = SnapshotPayload.Unwrap(sut.Json);

        Assert.Contains($"\"format\":\"{format}\"", Encoding.UTF8.GetString(sut.Json.Span), StringComparison.Ordinal);
        Assert.Equal(77124, id);
        Assert.Equal("A", manifest);
        Assert.Equal(bytes, back);
        Assert.Null(sut.Binary);
    }

    [Fact]
    public void WrapUnwrap_RandomBinary_RoundTripsAsHex()
    {
        var random = new Random(42);
        for (var length = 0; length < 300; length += 7)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            if (length > 0)
            {
                bytes[0] = 0xFF; // never valid UTF-8
            }

            var sut = SnapshotPayload.Wrap(4, string.Empty, bytes);
            var (_, _, back) = SnapshotPayload.Unwrap(sut.Json);

            Assert.Equal(bytes, back);
        }
    }

    [Fact]
    public void Unwrap_NotAPayload_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => SnapshotPayload.Unwrap("{\"state\":1}"u8.ToArray()));
    }
}
