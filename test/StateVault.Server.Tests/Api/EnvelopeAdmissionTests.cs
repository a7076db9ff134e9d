using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using StateVault.Codecs;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>
/// The raw envelope upload obeys the rules of every other save: the secret policy on the decoded state, the tags and the
/// attributes; a bound on the declared state size; sequences in range; authentication before any content check.
/// </summary>
public sealed class EnvelopeAdmissionTests(SharedServer server) : IClassFixture<SharedServer>
{
    private readonly ServerHost _sut = server.Host;

    // Each test writes under a system of its own, so tests sharing the server see only their own files.
    private readonly string _system = "env_" + Guid.NewGuid().ToString("N")[..12];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IReadOnlyList<string> StoredFiles() =>
        _sut.StoredFiles().Where(f => f.StartsWith(_system + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToList();

    private static ByteArrayContent Body(byte[] envelope) => new(envelope);

    /// <summary>Each case: the envelope, the secret it hides, and the path the problem must name.</summary>
    public static TheoryData<string, string, string> SecretCases => new()
    {
        { "identity payload value", Envelopes.OpenAiKey, "$.note" },
        { "identity payload property name", Envelopes.OpenAiKey, "${key}" },
        { "gzip payload", Envelopes.AwsKey, "$.cfg.token" },
        { "brotli payload", Envelopes.GitHubToken, "$.list[1]" },
        { "zstd payload", Envelopes.OpenAiKey, "$.note" },
        { "tag", Envelopes.AwsKey, "header.tags[1]" },
        { "attribute value", Envelopes.OpenAiKey, "header.attributes.origin" },
        { "attribute name", Envelopes.GitHubToken, "header.attributes{key}" },
        { "producer", Envelopes.OpenAiKey, "header.producer" },
        { "state type", Envelopes.AwsKey, "header.state_type" },
    };

    private byte[] SecretEnvelope(string @case, string secret, long sequence) => @case switch
    {
        "identity payload value" => Envelopes.Create(_system, sequence, $$"""{"note":"{{secret}}"}"""),
        "identity payload property name" => Envelopes.Create(_system, sequence, $$"""{"{{secret}}":1}"""),
        "gzip payload" => Envelopes.Create(_system, sequence, $$$"""{"cfg":{"token":"{{{secret}}}"}}""", SnapshotCodecs.Gzip),
        "brotli payload" => Envelopes.Create(_system, sequence, $$"""{"list":["x","{{secret}}"]}""", SnapshotCodecs.Brotli),
        "zstd payload" => Envelopes.Create(_system, sequence, $$"""{"note":"{{secret}}"}""", SnapshotCodecs.Zstd),
        "tag" => Envelopes.Create(_system, sequence, "{}", tags: ["nightly", secret]),
        "attribute value" => Envelopes.Create(_system, sequence, "{}", attributes: new Dictionary<string, string> { ["origin"] = secret }),
        "attribute name" => Envelopes.Create(_system, sequence, "{}", attributes: new Dictionary<string, string> { [secret] = "x" }),
        "producer" => Envelopes.Create(_system, sequence, "{}", producer: secret),
        "state type" => Envelopes.Create(_system, sequence, "{}", stateType: secret),
        _ => throw new ArgumentOutOfRangeException(nameof(@case)),
    };

    [Theory]
    [MemberData(nameof(SecretCases))]
    public async Task Put_SecretInPayloadTagsOrAttributes_Is422NamingThePathAndStoresNothing(string @case, string secret, string path)
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var appended = await client.PutAsync($"api/systems/{_system}/envelopes/1?append=true", Body(SecretEnvelope(@case, secret, 1)), Ct);
        using var imported = await client.PutAsync($"api/systems/{_system}/envelopes/5", Body(SecretEnvelope(@case, secret, 5)), Ct);

        foreach (var response in new[] { appended, imported })
        {
            var problem = await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
            Assert.Contains(path, problem.GetProperty("paths").EnumerateArray().Select(p => p.GetString()));
            Assert.DoesNotContain(secret, problem.ToString(), StringComparison.Ordinal);
        }

        Assert.Empty(StoredFiles());
        Assert.DoesNotContain(_sut.Logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Put_CleanEnvelopeInEveryCodec_IsStoredAndReadable()
    {
        using var client = _sut.Client(_sut.WriterKey);
        var sequence = 0;
        foreach (var codec in SnapshotCodecs.All)
        {
            sequence++;
            using var response = await client.PutAsync(
                $"api/systems/{_system}/envelopes/{sequence}?append=true",
                Body(Envelopes.Create(_system, sequence, $$"""{"codec":"{{codec}}"}""", codec, tags: ["t"], attributes: new Dictionary<string, string> { ["origin"] = "laptop" })),
                Ct);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal($$"""{"codec":"{{codec}}"}""", await client.GetStringAsync($"api/systems/{_system}/snapshots/{sequence}", Ct));
        }
    }

    [Fact]
    public async Task Put_GzipEnvelopeDeclaringTwoGigabytes_Is413AndStoresNothing()
    {
        // The attack run's envelope: a gzip payload of {"a":1} whose header claims 2147483591 decoded bytes.
        var hostile = Envelopes.Create(_system, 1, """{"a":1}""", SnapshotCodecs.Gzip, rawLength: 2147483591);
        using var client = _sut.Client(_sut.WriterKey);

        using var appended = await client.PutAsync($"api/systems/{_system}/envelopes/1?append=true", Body(hostile), Ct);
        using var imported = await client.PutAsync($"api/systems/{_system}/envelopes/1", Body(hostile), Ct);

        Assert.True(hostile.Length < 512, $"the envelope is {hostile.Length} bytes");
        var problem = await SnapshotApiTests.ProblemAsync(appended, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("raw_length", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await SnapshotApiTests.ProblemAsync(imported, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(StoredFiles());
    }

    [Theory]
    [InlineData(SnapshotCodecs.Identity, 1000)]
    [InlineData(SnapshotCodecs.Gzip, 1_000_000)]
    [InlineData(SnapshotCodecs.Zstd, 3)]
    [InlineData(SnapshotCodecs.Brotli, 8)]
    public async Task Put_RawLengthThatLies_Is400AndStoresNothing(string codec, long rawLength)
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PutAsync($"api/systems/{_system}/envelopes/1?append=true", Body(Envelopes.Create(_system, 1, """{"a":1}""", codec, rawLength: rawLength)), Ct);

        await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(StoredFiles());
    }

    [Theory]
    [InlineData("lz4", """{"a":1}""")]
    [InlineData(SnapshotCodecs.Identity, """{"a":""")]
    [InlineData(SnapshotCodecs.Identity, """{"a":"\ud800"}""")]
    [InlineData(SnapshotCodecs.Gzip, """{"\udc00":1}""")]
    [InlineData(SnapshotCodecs.Identity, "")]
    public async Task Put_PayloadThatIsNotAState_Is400AndStoresNothing(string codec, string json)
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PutAsync($"api/systems/{_system}/envelopes/1?append=true", Body(Envelopes.Create(_system, 1, json, codec)), Ct);

        await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(StoredFiles());
        Assert.DoesNotContain(_sut.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Put_InvalidUtf8Payload_Is400AndStoresNothing()
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PutAsync($"api/systems/{_system}/envelopes/1?append=true", Body(Envelopes.Create(_system, 1, [(byte)'"', 0xFF, 0xFE, (byte)'"'])), Ct);

        await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task Put_SequenceAtLongMaxValue_Is400AndTheNextSaveGetsAPositiveSequence()
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var imported = await client.PutAsync($"api/systems/{_system}/envelopes/{long.MaxValue}", Body(Envelopes.Create(_system, long.MaxValue, "{}")), Ct);
        using var appended = await client.PutAsync($"api/systems/{_system}/envelopes/{long.MaxValue}?append=true", Body(Envelopes.Create(_system, long.MaxValue, "{}")), Ct);
        using var saved = await client.PostAsync($"api/systems/{_system}/snapshots", SnapshotApiTests.Json("""{"v":1}"""), Ct);

        await SnapshotApiTests.ProblemAsync(imported, HttpStatusCode.BadRequest);
        await SnapshotApiTests.ProblemAsync(appended, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        Assert.Equal(1, (await saved.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("sequence").GetInt64());
        Assert.Equal([Path.Combine(_system, _system + "-0000000000000000001.svsnap")], StoredFiles().Where(f => f.EndsWith(".svsnap", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Post_AfterAnImportAtTheHighestSequence_Is409AndWritesNothing()
    {
        using var client = _sut.Client(_sut.WriterKey);
        using var imported = await client.PutAsync($"api/systems/{_system}/envelopes/{SnapshotSequence.MaxValue}", Body(Envelopes.Create(_system, SnapshotSequence.MaxValue, "{}")), Ct);
        Assert.True(imported.IsSuccessStatusCode, $"import at the highest sequence: {(int)imported.StatusCode}");
        var before = StoredFiles().ToList();

        using var saved = await client.PostAsync($"api/systems/{_system}/snapshots", SnapshotApiTests.Json("""{"v":1}"""), Ct);

        await SnapshotApiTests.ProblemAsync(saved, HttpStatusCode.Conflict);
        Assert.Equal(before, StoredFiles().ToList());
    }

    [Fact]
    public async Task Put_AnonymousWithAnyContentType_Is401NotA415()
    {
        using var anonymous = _sut.Client();
        using var writer = _sut.Client(_sut.WriterKey);
        ByteArrayContent Typed(string mediaType)
        {
            var content = Body(Envelopes.Create(_system, 1, "{}"));
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return content;
        }

        using var anonymousText = await anonymous.PutAsync($"api/systems/{_system}/envelopes/1", Typed("text/plain"), Ct);
        using var anonymousJson = await anonymous.PutAsync($"api/systems/{_system}/envelopes/1", Typed("application/json"), Ct);
        using var writerText = await writer.PutAsync($"api/systems/{_system}/envelopes/1", Typed("text/plain"), Ct);
        using var writerOctets = await writer.PutAsync($"api/systems/{_system}/envelopes/1", Typed("application/octet-stream"), Ct);

        await SnapshotApiTests.ProblemAsync(anonymousText, HttpStatusCode.Unauthorized);
        await SnapshotApiTests.ProblemAsync(anonymousJson, HttpStatusCode.Unauthorized);
        await SnapshotApiTests.ProblemAsync(writerText, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(HttpStatusCode.Created, writerOctets.StatusCode);
    }
}
