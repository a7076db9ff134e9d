using System.Text;
using System.Text.Json.Nodes;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Secrets;
using StateVault.Tests.Support;

namespace StateVault.Tests.Envelope;

/// <summary>The rules an envelope made elsewhere must meet before a store keeps it (the server's raw upload, migrations).</summary>
public sealed class IncomingEnvelopeTests
{
    private const long Max = 1024 * 1024;

    private static byte[] Create(
        string json,
        string codec = SnapshotCodecs.Identity,
        long sequence = 1,
        long? rawLength = null,
        IReadOnlyList<string>? tags = null,
        IReadOnlyDictionary<string, string>? attributes = null)
    {
        var raw = Encoding.UTF8.GetBytes(json);
        var payload = SnapshotCodecs.Encode(codec, raw).ToArray();
        var header = new SnapshotHeader
        {
            System = "sys",
            Sequence = sequence,
            CreatedUtc = DateTimeOffset.UnixEpoch,
            SchemaVersion = 1,
            StateType = "t",
            Codec = codec,
            StoredLength = payload.Length,
            RawLength = rawLength ?? raw.Length,
            Sha256 = SnapshotEnvelope.Sha256Hex(payload),
            Tags = tags ?? [],
            Attributes = attributes ?? new Dictionary<string, string>(),
        };
        return SnapshotEnvelope.Create(header, payload).ToArray();
    }

    private static IncomingEnvelopeRejection Rejection(byte[] envelope, long sequence = 1) =>
        Assert.Throws<IncomingEnvelopeException>(() => IncomingEnvelope.Check(envelope, "sys", sequence, Max, SecretPolicy.Reject)).Rejection;

    [Theory]
    [InlineData(SnapshotCodecs.Identity)]
    [InlineData(SnapshotCodecs.Gzip)]
    [InlineData(SnapshotCodecs.Brotli)]
    [InlineData(SnapshotCodecs.Zstd)]
    public void Check_CleanEnvelope_ReturnsItsHeader(string codec)
    {
        var sut = IncomingEnvelope.Check(Create("""{"a":[1,"é"]}""", codec, tags: ["nightly"]), "sys", 1, Max, SecretPolicy.Reject);

        Assert.Equal(("sys", 1L, codec), (sut.System, sut.Sequence, sut.Codec));
    }

    [Fact]
    public void Check_DeclaredRawLengthOverTheMaximum_IsTooLargeBeforeAnyDecoding()
    {
        // gzip of {"a":1} claiming 2147483591 bytes: refused from the header alone, so nothing of that size is allocated.
        var before = GC.GetAllocatedBytesForCurrentThread();

        var rejection = Rejection(Create("""{"a":1}""", SnapshotCodecs.Gzip, rawLength: 2147483591));

        Assert.Equal(IncomingEnvelopeRejection.TooLarge, rejection);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024 * 1024);
    }

    [Fact]
    public void Check_OtherBrokenRules_AreNamed()
    {
        var damaged = Create("{}");
        damaged[^1] ^= 1;

        Assert.Equal(IncomingEnvelopeRejection.Malformed, Rejection(damaged));
        Assert.Equal(IncomingEnvelopeRejection.Mismatch, Rejection(Create("{}", sequence: 2)));
        Assert.Equal(IncomingEnvelopeRejection.SequenceOutOfRange, Rejection(Create("{}", sequence: long.MaxValue), long.MaxValue));
        Assert.Equal(IncomingEnvelopeRejection.NotAState, Rejection(Create("""{"a":1}""", SnapshotCodecs.Gzip, rawLength: 100)));
        Assert.Equal(IncomingEnvelopeRejection.NotAState, Rejection(Create("""{"a":""")));
        Assert.Equal(IncomingEnvelopeRejection.NotAState, Rejection(Create("""{"a":"\ud800"}""")));
    }

    [Fact]
    public void Check_Secrets_AreFoundInTheDecodedStateTagsAndAttributesByPathOnly()
    {
        var key = FakeSecrets.OpenAiProject;

        var inPayload = Assert.Throws<SecretDetectedException>(() => IncomingEnvelope.Check(Create($$$"""{"x":{"y":"{{{key}}}"}}""", SnapshotCodecs.Zstd), "sys", 1, Max, SecretPolicy.Reject));
        var inHeader = Assert.Throws<SecretDetectedException>(() => IncomingEnvelope.Check(
            Create("{}", tags: ["ok", key], attributes: new Dictionary<string, string> { ["from"] = key, [key] = "x" }), "sys", 1, Max, SecretPolicy.Redact));

        Assert.Equal(["$.x.y"], inPayload.Findings.Select(f => f.Path));
        Assert.Equal(["header.attributes.from", "header.attributes{key}", "header.tags[1]"], inHeader.Findings.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(key, inPayload.Message + inHeader.Message, StringComparison.Ordinal);
        Assert.Equal("sys", IncomingEnvelope.Check(Create($$"""{"k":"{{key}}"}"""), "sys", 1, Max, SecretPolicy.Off).System);
    }

    [Fact]
    public async Task SaveJsonAsync_UnpairedSurrogateOrInvalidUtf8_ThrowsArgumentAndWritesNothing()
    {
        await using var h = new VaultHarness();
        var sut = h.CreateVault();

        await Assert.ThrowsAsync<ArgumentException>(() => sut.SaveJsonAsync("s", """{"a":"\ud800"}"""u8.ToArray(), cancellationToken: VaultHarness.Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => sut.SaveJsonAsync("s", """{"\udc00":1}"""u8.ToArray(), cancellationToken: VaultHarness.Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => sut.SaveJsonAsync("s", new byte[] { (byte)'"', 0xC3, 0x28, (byte)'"' }, cancellationToken: VaultHarness.Ct));
        await sut.SaveJsonAsync("s", """{"ok":"\ud83d\ude00"}"""u8.ToArray(), cancellationToken: VaultHarness.Ct);

        Assert.Single(h.Folder.Files(), f => f.EndsWith(".svsnap", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_MoreSystemsThanTheLabelLimit_ShareTheOtherLabel()
    {
        await using var h = new VaultHarness();
        var sut = h.CreateVault(o => o.MetricsSystemLabelLimit = 3);

        for (var i = 0; i < 10; i++)
        {
            await sut.SaveAsync($"sys{i}", new JsonObject { ["i"] = i }, cancellationToken: VaultHarness.Ct);
        }

        var systems = h.Metrics.Of("statevault.saves").Select(m => (string)m.Tags["system"]!).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(["_other", "sys0", "sys1", "sys2"], systems.Order(StringComparer.Ordinal));
        Assert.Equal(7, h.Metrics.Sum("statevault.saves", ("system", "_other")));
    }
}
