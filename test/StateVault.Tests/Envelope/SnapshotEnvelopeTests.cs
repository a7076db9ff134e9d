using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using CsCheck;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Storage;
using StateVault.TestKit;
using StateVault.Tests.Support;

namespace StateVault.Tests.Envelope;

public sealed class SnapshotEnvelopeTests
{
    private static byte[] SmallEnvelope() =>
        TestEnvelopes.Create("health_thresholds", 3, """{"cpu":{"warning":80,"critical":95},"note":"ok"}""").ToArray();

    [Fact]
    public void Decode_ValidEnvelope_ReturnsHeaderAndPayload()
    {
        var sut = SmallEnvelope();

        var (header, payload) = SnapshotEnvelope.Decode(sut);

        Assert.Equal("health_thresholds", header.System);
        Assert.Equal(3, header.Sequence);
        Assert.Equal(SnapshotCodecs.Identity, header.Codec);
        Assert.Equal("""{"cpu":{"warning":80,"critical":95},"note":"ok"}""", Encoding.UTF8.GetString(payload.Span));
    }

    [Fact]
    public void TryReadHeader_OfBytesCreateBuilt_IsTheHeaderTheyWereBuiltFrom_AndOfOtherBytesAParse()
    {
        var built = TestEnvelopes.Create("health_thresholds", 3, """{"cpu":80}""");

        // A store's header columns come from the header the bytes were built from, with no second parse.
        Assert.NotNull(built.Header);
        Assert.Same(built.Header, SnapshotEnvelope.TryReadHeader(built));

        // The same bytes from anywhere else (a file, a database, an import) carry no header: they are parsed, to the same values.
        var read = EnvelopeBytes.FromArray(built.ToArray());
        Assert.Null(read.Header);
        var parsed = SnapshotEnvelope.TryReadHeader(read);
        Assert.NotNull(parsed);
        Assert.Equal(built.Header.System, parsed.System);
        Assert.Equal(built.Header.Sequence, parsed.Sequence);
        Assert.Equal(built.Header.CreatedUtc, parsed.CreatedUtc);
        Assert.Equal(built.Header.Sha256, parsed.Sha256);
        Assert.Equal(built.Header.Tags, parsed.Tags);
        Assert.Null(SnapshotEnvelope.TryReadHeader(new EnvelopeBytes(built.Head[1..], built.Payload)));
    }

    [Fact]
    public void SerializeHeader_WritesTheBytesTheSerializerWrites_ForAnyHeader()
    {
        // The header line is written directly; it must stay the bytes JsonSerializer writes with the header's options.
        var options = new JsonSerializerOptions
        {
            WriteIndented = false,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        // Any UTF-16 (lone surrogates included), and the characters an encoder treats specially.
        var text = Gen.OneOf(
            Gen.String,
            Gen.Char.Array[0, 10].Select(c => new string(c)),
            Gen.String[Gen.Char["<>&'\"+\\/\n\t\0\u2028\u00e9\u007f\ud83d\ude00 a"], 0, 12]);
        var maybe = Gen.Frequency((1, Gen.Const((string?)null)), (6, text.Select(t => (string?)t)));
        var gen =
            from strings in maybe.Array[6]
            from numbers in Gen.Long.Array[3]
            from schema in Gen.Int
            from ticks in Gen.Long[DateTimeOffset.MinValue.UtcTicks + TimeSpan.TicksPerDay, DateTimeOffset.MaxValue.UtcTicks - TimeSpan.TicksPerDay]
            from offset in Gen.Int[-14 * 60, 14 * 60]
            from tags in Gen.Frequency((1, Gen.Const((string?[]?)null)), (6, maybe.Array[0, 4].Select(t => (string?[]?)t)))
            from keys in text.Array[0, 4]
            from values in maybe.Array[4]
            select new SnapshotHeader
            {
                System = strings[0]!,
                Sequence = numbers[0],
                CreatedUtc = new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offset)),
                SchemaVersion = schema,
                StateType = strings[1]!,
                Codec = strings[2]!,
                StoredLength = numbers[1],
                RawLength = numbers[2],
                Sha256 = strings[3]!,
                Producer = strings[4],
                Writer = strings[5],
                Tags = tags!,
                Attributes = keys.Distinct(StringComparer.Ordinal).Select((k, i) => (k, values[i])).ToDictionary(p => p.k, p => p.Item2!, StringComparer.Ordinal),
            };

        gen.Sample(
            header =>
            {
                byte[] expected;
                try
                {
                    expected = JsonSerializer.SerializeToUtf8Bytes(header, options);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    Assert.Equal(ex.GetType(), Record.Exception(() => SnapshotEnvelope.SerializeHeader(header))?.GetType());
                    return;
                }

                Assert.Equal(expected, SnapshotEnvelope.SerializeHeader(header));
            },
            iter: 3000);
    }

    [Theory]
    [InlineData(9_007_199_254_740_992L)] // SnapshotSequence.MaxValue + 1
    [InlineData(long.MaxValue)]
    public void ReadHeader_SequenceAboveTheBound_IsOutOfRange(long sequence)
    {
        var sut = TestEnvelopes.Create("s", sequence, "{}").ToArray();

        var ex = Assert.Throws<EnvelopeFormatException>(() => SnapshotEnvelope.ReadHeader(sut));

        Assert.Contains("out of range", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_IdentityPayload_IsReadableAsMagicHeaderAndJsonLines()
    {
        var sut = Encoding.UTF8.GetString(SmallEnvelope());

        var lines = sut.Split('\n', 3);

        Assert.StartsWith(SnapshotEnvelope.Magic + " ", lines[0], StringComparison.Ordinal);
        Assert.Equal(SnapshotEnvelope.Magic.Length + 1 + 64, lines[0].Length);
        Assert.StartsWith("{", lines[1], StringComparison.Ordinal);
        Assert.Equal("""{"cpu":{"warning":80,"critical":95},"note":"ok"}""", lines[2]);
    }

    [Fact]
    public void Decode_EverySingleByteFlip_IsDetected()
    {
        var original = SmallEnvelope();
        var undetected = new List<string>();
        for (var position = 0; position < original.Length; position++)
        {
            // Low bit, high bit, case bit and all bits: a different byte in every position must be caught.
            foreach (var mask in new byte[] { 0x01, 0x20, 0x80, 0xFF })
            {
                var sut = (byte[])original.Clone();
                sut[position] ^= mask;
                try
                {
                    SnapshotEnvelope.Decode(sut);
                    undetected.Add($"{position}^{mask:x2}");
                }
                catch (EnvelopeFormatException)
                {
                    // Detected, as required.
                }
            }
        }

        Assert.Empty(undetected);
    }

    [Fact]
    public void Decode_EveryTruncation_IsDetected()
    {
        var original = SmallEnvelope();
        for (var length = 0; length < original.Length; length++)
        {
            var sut = original.AsMemory(0, length);

            Assert.Throws<EnvelopeFormatException>(() => SnapshotEnvelope.Decode(sut));
        }
    }

    [Fact]
    public void Decode_ExtendedByOneByte_IsDetected()
    {
        var sut = SmallEnvelope().Append((byte)'\n').ToArray();

        var ex = Assert.Throws<EnvelopeFormatException>(() => SnapshotEnvelope.Decode(sut));

        Assert.Contains("extended", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_RandomPayloads_RoundTrip()
    {
        Gen.Select(Gen.Byte.Array[0, 4096], Gen.Long[1, SnapshotSequence.MaxValue]).Sample((payload, sequence) =>
        {
            var sut = TestEnvelopes.Create("prop_sys", sequence, payload).ToArray();

            var (header, decoded) = SnapshotEnvelope.Decode(sut);

            Assert.Equal(sequence, header.Sequence);
            Assert.Equal(payload, decoded.ToArray());
        }, iter: 300);
    }

    [Fact]
    public void Decode_RandomPayloadWithAnyByteChanged_Throws()
    {
        var gen =
            from payload in Gen.Byte.Array[0, 512]
            from tags in Gen.String[Gen.Char.AlphaNumeric, 0, 12].Array[0, 3]
            let envelope = EnvelopeWithTags(payload, tags)
            from position in Gen.Int[0, envelope.Length - 1]
            from mask in Gen.Byte[1, 255]
            select (envelope, position, mask);

        gen.Sample((envelope, position, mask) =>
        {
            var sut = (byte[])envelope.Clone();
            sut[position] ^= mask;

            Assert.Throws<EnvelopeFormatException>(() => SnapshotEnvelope.Decode(sut));
        }, iter: 2000);
    }

    [Fact]
    public void Decode_RandomPayloadTruncatedAnywhere_Throws()
    {
        var gen =
            from payload in Gen.Byte.Array[0, 512]
            let envelope = TestEnvelopes.Create("prop_sys", 1, payload).ToArray()
            from length in Gen.Int[0, envelope.Length - 1]
            select (envelope, length);

        gen.Sample((envelope, length) => Assert.Throws<EnvelopeFormatException>(() => SnapshotEnvelope.Decode(envelope.AsMemory(0, length))), iter: 2000);
    }

    [Fact]
    public void ReadHeader_DamagedPayload_StillReadsHeaderButDecodeRejects()
    {
        var sut = SmallEnvelope();
        sut[^3] ^= 0x04;

        var header = SnapshotEnvelope.ReadHeader(sut);

        Assert.Equal(3, header.Sequence);
        var ex = Assert.Throws<EnvelopeFormatException>(() => SnapshotEnvelope.Decode(sut));
        Assert.Contains("payload checksum", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_StoredLengthNotMatchingPayload_Throws()
    {
        var header = SnapshotEnvelope.ReadHeader(SmallEnvelope());

        Assert.Throws<ArgumentException>(() => SnapshotEnvelope.Create(header, new byte[header.StoredLength + 1]));
    }

    [Fact]
    public void Create_HeaderWithLineBreaksInStrings_StaysOneLine()
    {
        var payload = "{}"u8.ToArray();
        var header = SnapshotEnvelope.ReadHeader(TestEnvelopes.Create("s", 1, payload).ToArray()) with
        {
            Tags = ["line\nbreak", "carriage\rreturn", "\u2028"],
            Attributes = new Dictionary<string, string> { ["k\n"] = "v\n" },
        };

        var sut = SnapshotEnvelope.Create(header, payload).ToArray();

        var (decoded, decodedPayload) = SnapshotEnvelope.Decode(sut);
        Assert.Equal(header.Tags, decoded.Tags);
        Assert.Equal("v\n", decoded.Attributes["k\n"]);
        Assert.Equal("{}", Encoding.UTF8.GetString(decodedPayload.Span));
    }

    [Fact]
    public async Task Vault_EveryByteFlipAndTruncationOfStoredSnapshot_IsNeverDeserialized()
    {
        using var folder = new TempFolder();
        await using var store = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = folder.Path, Durable = false });
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { Retention = StateVault.Retention.RetentionPolicy.KeepAll });
        var ct = TestContext.Current.CancellationToken;
        await vault.SaveAsync("probe", new Probe { Value = "small state" }, cancellationToken: ct);
        var path = Directory.GetFiles(Path.Combine(folder.Path, "probe"), "*.svsnap").Single();
        var original = await File.ReadAllBytesAsync(path, ct);
        Probe.Reset();
        var damaged = new List<byte[]>();
        for (var i = 0; i < original.Length; i++)
        {
            var flipped = (byte[])original.Clone();
            flipped[i] ^= 0x01;
            damaged.Add(flipped);
            damaged.Add(original[..i]);
        }

        foreach (var bytes in damaged)
        {
            await File.WriteAllBytesAsync(path, bytes, ct);

            var loaded = await vault.LoadLatestAsync<Probe>("probe", ct);

            Assert.Null(loaded);
            Assert.False(File.Exists(path), "a damaged snapshot is quarantined");
        }

        Assert.Equal(0, Probe.Constructed);
        Assert.Equal(damaged.Count, Directory.GetFiles(Path.Combine(folder.Path, "probe", ".quarantine"), "*.svsnap*").Count(f => !f.EndsWith(".reason", StringComparison.Ordinal)));
    }

    private static byte[] EnvelopeWithTags(byte[] payload, string[] tags)
    {
        var header = SnapshotEnvelope.ReadHeader(TestEnvelopes.Create("prop_sys", 9, payload).ToArray()) with { Tags = tags };
        return SnapshotEnvelope.Create(header, payload).ToArray();
    }

    /// <summary>Counts constructions, so a test can prove that damaged bytes never reached the deserializer.</summary>
    public sealed class Probe
    {
        private static int s_constructed;

        public Probe() => Interlocked.Increment(ref s_constructed);

        public static int Constructed => Volatile.Read(ref s_constructed);

        public string Value { get; set; } = string.Empty;

        public static void Reset() => Volatile.Write(ref s_constructed, 0);
    }
}
