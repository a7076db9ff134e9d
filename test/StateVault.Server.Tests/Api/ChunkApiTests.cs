using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Server.Tests.Support;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>
/// The raw chunk routes and chunked envelopes on the raw envelope route, on a server whose store keeps chunks
/// (<see cref="MemoryChunksStore"/> over the file store). Every refused request leaves nothing stored.
/// </summary>
public sealed class ChunkApiTests(ChunkApiTests.ChunkServer server) : IClassFixture<ChunkApiTests.ChunkServer>
{
    private const int MaxBody = 65536;

    private readonly ServerHost _sut = server.Host;
    private readonly string _system = "chk_" + Guid.NewGuid().ToString("N")[..12];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ISnapshotStoreWithChunks Store => (ISnapshotStoreWithChunks)_sut.Vault.Store;

    /// <summary>One server for the class; its request body limit is small, so an oversized chunk is cheap to send.</summary>
    public sealed class ChunkServer : IAsyncLifetime
    {
        public ServerHost Host { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Host = await ServerHost.StartAsync(
            settings: new Dictionary<string, string> { ["StateVault:Server:MaxRequestBodyBytes"] = MaxBody.ToString(CultureInfo.InvariantCulture) },
            decorateStore: store => new MemoryChunksStore(store),
            cancellationToken: TestContext.Current.CancellationToken);

        public async ValueTask DisposeAsync() => await Host.DisposeAsync();
    }

    private static (string Id, byte[] Framed) Chunk(string content, string codec = SnapshotCodecs.Zstd)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        return (ChunkFrame.IdOf(bytes), ChunkFrame.Encode(codec, bytes));
    }

    private static ByteArrayContent Body(byte[] bytes) => new(bytes);

    private async Task<List<StoredChunkRef>> StoredChunksAsync(string? system = null)
    {
        var list = new List<StoredChunkRef>();
        await foreach (var item in Store.ListChunksAsync(system ?? _system, Ct))
        {
            list.Add(item);
        }

        return list;
    }

    [Fact]
    public async Task PutReadListDelete_RoundTripThroughTheRoutes()
    {
        var (id, framed) = Chunk("""{"items":[1,2,3]}""");
        using var writer = _sut.Client(_sut.WriterKey);
        using var reader = _sut.Client(_sut.ReaderKey);
        using var admin = _sut.Client(_sut.AdminKey);

        using var put = await writer.PutAsync($"api/systems/{_system}/chunks/{id}", Body(framed), Ct);
        using var read = await reader.GetAsync($"api/systems/{_system}/chunks/{id}", Ct);
        var listing = await reader.GetFromJsonAsync<JsonElement>($"api/systems/{_system}/chunks", Ct);

        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(framed, await read.Content.ReadAsByteArrayAsync(Ct));
        var stored = DateTimeOffset.Parse(read.Headers.GetValues("X-StateVault-Chunk-Stored").Single(), CultureInfo.InvariantCulture);
        var item = Assert.Single(listing.GetProperty("chunks").EnumerateArray());
        Assert.Equal(id, item.GetProperty("id").GetString());
        Assert.Equal(framed.Length, item.GetProperty("length").GetInt64());
        Assert.Equal(stored, item.GetProperty("storedUtc").GetDateTimeOffset());

        var before = Uri.EscapeDataString(stored.AddHours(-1).ToString("O", CultureInfo.InvariantCulture));
        using var kept = await admin.DeleteAsync($"api/systems/{_system}/chunks/{id}?storedBefore={before}", Ct);
        Assert.Equal("urn:statevault:problem:chunk-kept", (await SnapshotApiTests.ProblemAsync(kept, HttpStatusCode.PreconditionFailed)).GetProperty("type").GetString());
        Assert.Single(await StoredChunksAsync());

        var after = Uri.EscapeDataString(stored.AddSeconds(1).UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        using var deleted = await admin.DeleteAsync($"api/systems/{_system}/chunks/{id}?storedBefore={after}", Ct);
        using var gone = await reader.GetAsync($"api/systems/{_system}/chunks/{id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal("urn:statevault:problem:chunk-not-found", (await SnapshotApiTests.ProblemAsync(gone, HttpStatusCode.NotFound)).GetProperty("type").GetString());
        Assert.Empty(await StoredChunksAsync());
    }

    [Fact]
    public async Task PutEnvelope_ChunkedAfterItsChunks_IsStored()
    {
        var (envelope, chunks) = ChunkedEnvelopes.Create(_system, 1, ["""{"items":[1,2,""", "3,4]}"]);
        using var client = _sut.Client(_sut.WriterKey);
        foreach (var chunk in chunks)
        {
            using var put = await client.PutAsync($"api/systems/{_system}/chunks/{chunk.Id}", Body(chunk.Framed), Ct);
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        }

        using var response = await client.PutAsync($"api/systems/{_system}/envelopes/1?append=true", Body(envelope.ToArray()), Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(envelope.ToArray(), await Store.ReadAsync(_system, 1, Ct));
    }

    [Fact]
    public async Task PutEnvelope_ChunkedWithAChunkMissing_Is422NamingItAndStoresNothing()
    {
        var (envelope, chunks) = ChunkedEnvelopes.Create(_system, 1, ["""{"items":[1,2,""", "3,4]}"]);
        using var client = _sut.Client(_sut.WriterKey);
        using var first = await client.PutAsync($"api/systems/{_system}/chunks/{chunks[0].Id}", Body(chunks[0].Framed), Ct);

        using var appended = await client.PutAsync($"api/systems/{_system}/envelopes/1?append=true", Body(envelope.ToArray()), Ct);
        using var imported = await client.PutAsync($"api/systems/{_system}/envelopes/1", Body(envelope.ToArray()), Ct);

        foreach (var response in new[] { appended, imported })
        {
            var problem = await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
            Assert.Equal("urn:statevault:problem:chunk-missing", problem.GetProperty("type").GetString());
            Assert.Equal(chunks[1].Id, problem.GetProperty("chunk").GetString());
        }

        Assert.Equal(0, await Store.GetLatestSequenceAsync(_system, Ct));
    }

    [Fact]
    public async Task PutEnvelope_ChunkedWhoseAssembledStateHoldsASecretAcrossChunks_Is422AndStoresNothing()
    {
        var secret = Envelopes.OpenAiKey;
        var (envelope, chunks) = ChunkedEnvelopes.Create(_system, 1, ["{\"note\":\"" + secret[..10], secret[10..] + "\"}"]);
        using var client = _sut.Client(_sut.WriterKey);
        foreach (var chunk in chunks)
        {
            using var put = await client.PutAsync($"api/systems/{_system}/chunks/{chunk.Id}", Body(chunk.Framed), Ct);
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode); // neither half looks like a key on its own
        }

        using var response = await client.PutAsync($"api/systems/{_system}/envelopes/1?append=true", Body(envelope.ToArray()), Ct);

        var problem = await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("$.note", problem.GetProperty("paths").EnumerateArray().Select(p => p.GetString()));
        Assert.DoesNotContain(secret, problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await Store.GetLatestSequenceAsync(_system, Ct));
    }

    [Theory]
    [InlineData("..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("..")]
    [InlineData("ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678")]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678g")]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789%2F..")]
    public async Task EveryChunkRoute_BadId_Is4xxAndTouchesNothing(string id)
    {
        var (_, framed) = Chunk("{}");
        using var writer = _sut.Client(_sut.WriterKey);
        using var admin = _sut.Client(_sut.AdminKey);

        using var put = await writer.PutAsync($"api/systems/{_system}/chunks/{id}", Body(framed), Ct);
        using var read = await writer.GetAsync($"api/systems/{_system}/chunks/{id}", Ct);
        using var delete = await admin.DeleteAsync($"api/systems/{_system}/chunks/{id}?storedBefore=9999-01-01T00:00:00Z", Ct);

        foreach (var response in new[] { put, read, delete })
        {
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"{response.RequestMessage!.Method} answered {(int)response.StatusCode}");
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                // Only an unknown route may say 404 (the dot segments were resolved away): never a chunk answer.
                Assert.NotEqual("urn:statevault:problem:chunk-not-found", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("type").GetString());
            }
        }

        Assert.Empty(await StoredChunksAsync());
        Assert.DoesNotContain(_sut.StoredFiles(), f => f.Contains("passwd", StringComparison.Ordinal));
    }

    /// <summary>Each case: framed bytes that do not belong under the id used, and what the problem says.</summary>
    public static TheoryData<string, string> WrongFrames => new()
    {
        { "not a chunk", "bad magic" },
        { "another chunk's bytes", "checksum" },
        { "truncated", "" },
        { "declares 2 GB", "more than the maximum" },
        { "bomb ratio", "" },
        { "unknown codec", "malformed" },
    };

    [Theory]
    [MemberData(nameof(WrongFrames))]
    public async Task PutChunk_WrongFrame_Is422AndStoresNothing(string @case, string says)
    {
        var (id, framed) = Chunk("""{"a":1}""");
        var body = @case switch
        {
            "not a chunk" => Encoding.UTF8.GetBytes("""{"a":1}"""),
            "another chunk's bytes" => Chunk("""{"b":2}""").Framed,
            "truncated" => framed[..^3],
            "declares 2 GB" => [.. Encoding.ASCII.GetBytes("SVCHUNK/1 identity 2147483591\n"), .. "{\"a\":1}"u8],
            "bomb ratio" => [.. Encoding.ASCII.GetBytes("SVCHUNK/1 gzip 60000\n"), .. SnapshotCodecs.Encode(SnapshotCodecs.Gzip, new byte[60000]).ToArray()],
            "unknown codec" => [.. Encoding.ASCII.GetBytes("SVCHUNK/1 lzma 7\n"), .. "{\"a\":1}"u8],
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PutAsync($"api/systems/{_system}/chunks/{id}", Body(body), Ct);

        var problem = await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(says, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await StoredChunksAsync());
    }

    [Fact]
    public async Task PutChunk_LargerThanTheRequestBodyLimit_Is413AndStoresNothing()
    {
        var content = new byte[MaxBody + 1];
        Array.Fill(content, (byte)'1');
        var id = ChunkFrame.IdOf(content);
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PutAsync($"api/systems/{_system}/chunks/{id}", Body(ChunkFrame.Encode(SnapshotCodecs.Identity, content)), Ct);

        await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(await StoredChunksAsync());
    }

    [Fact]
    public async Task PutChunk_FragmentHoldingASecret_Is422WithoutTheValueAndStoresNothing()
    {
        var (id, framed) = Chunk($$"""1,"note":"{{Envelopes.OpenAiKey}}","n":""");
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PutAsync($"api/systems/{_system}/chunks/{id}", Body(framed), Ct);

        var problem = await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.DoesNotContain(Envelopes.OpenAiKey, problem.ToString(), StringComparison.Ordinal);
        Assert.Empty(await StoredChunksAsync());
        Assert.DoesNotContain(_sut.Logs.Lines, l => l.Contains(Envelopes.OpenAiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PutChunk_ToAManagerOwnedSystem_Is409AndStoresNothing()
    {
        var (id, framed) = Chunk("{}");
        using var client = _sut.Client(_sut.AdminKey);

        using var response = await client.PutAsync($"api/systems/gaming_alerts/chunks/{id}", Body(framed), Ct);

        Assert.Equal("urn:statevault:problem:system-owned", (await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.Conflict)).GetProperty("type").GetString());
        Assert.Empty(await StoredChunksAsync("gaming_alerts"));
    }

    [Fact]
    public async Task ChunkRoutes_WithoutKeyOrWithTooLowARole_Are401Or403AndTouchNothing()
    {
        var (id, framed) = Chunk("""{"kept":true}""");
        await Store.PutChunkAsync(_system, id, framed, Ct);
        var (otherId, otherFramed) = Chunk("""{"other":true}""");
        using var anonymous = _sut.Client();
        using var reader = _sut.Client(_sut.ReaderKey);
        using var writer = _sut.Client(_sut.WriterKey);
        const string Future = "storedBefore=9999-01-01T00:00:00Z";

        using var anonymousList = await anonymous.GetAsync($"api/systems/{_system}/chunks", Ct);
        using var anonymousRead = await anonymous.GetAsync($"api/systems/{_system}/chunks/{id}", Ct);
        using var anonymousPut = await anonymous.PutAsync($"api/systems/{_system}/chunks/{otherId}", Body(otherFramed), Ct);
        using var anonymousDelete = await anonymous.DeleteAsync($"api/systems/{_system}/chunks/{id}?{Future}", Ct);
        using var readerPut = await reader.PutAsync($"api/systems/{_system}/chunks/{otherId}", Body(otherFramed), Ct);
        using var readerDelete = await reader.DeleteAsync($"api/systems/{_system}/chunks/{id}?{Future}", Ct);
        using var writerDelete = await writer.DeleteAsync($"api/systems/{_system}/chunks/{id}?{Future}", Ct);

        foreach (var response in new[] { anonymousList, anonymousRead, anonymousPut, anonymousDelete })
        {
            await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.Unauthorized);
        }

        foreach (var response in new[] { readerPut, readerDelete, writerDelete })
        {
            await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.Forbidden);
        }

        Assert.Equal([id], (await StoredChunksAsync()).Select(c => c.Id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("?storedBefore=")]
    [InlineData("?storedBefore=yesterday")]
    [InlineData("?storedBefore=2026-13-45T99:00:00Z")]
    public async Task DeleteChunk_BadStoredBefore_Is400AndKeepsTheChunk(string query)
    {
        var (id, framed) = Chunk("""{"kept":1}""");
        await Store.PutChunkAsync(_system, id, framed, Ct);
        using var admin = _sut.Client(_sut.AdminKey);

        using var response = await admin.DeleteAsync($"api/systems/{_system}/chunks/{id}{query}", Ct);

        await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Single(await StoredChunksAsync());
    }

    [Fact]
    public async Task ChunkRoutes_ServerStoreWithoutChunks_Are501AndAChunkedEnvelopeIs422()
    {
        await using var plain = await ServerHost.StartAsync(decorateStore: store => new LostReplyStore(store), cancellationToken: Ct);
        var (envelope, chunks) = ChunkedEnvelopes.Create(_system, 1, ["{}"]);
        using var writer = plain.Client(plain.WriterKey);
        using var admin = plain.Client(plain.AdminKey);

        using var list = await writer.GetAsync($"api/systems/{_system}/chunks", Ct);
        using var read = await writer.GetAsync($"api/systems/{_system}/chunks/{chunks[0].Id}", Ct);
        using var put = await writer.PutAsync($"api/systems/{_system}/chunks/{chunks[0].Id}", Body(chunks[0].Framed), Ct);
        using var delete = await admin.DeleteAsync($"api/systems/{_system}/chunks/{chunks[0].Id}?storedBefore=9999-01-01T00:00:00Z", Ct);
        using var chunked = await writer.PutAsync($"api/systems/{_system}/envelopes/1?append=true", Body(envelope.ToArray()), Ct);

        foreach (var response in new[] { list, read, put, delete })
        {
            Assert.Equal("urn:statevault:problem:not-supported", (await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.NotImplemented)).GetProperty("type").GetString());
        }

        Assert.Equal(chunks[0].Id, (await SnapshotApiTests.ProblemAsync(chunked, HttpStatusCode.UnprocessableEntity)).GetProperty("chunk").GetString());
        Assert.Empty(plain.StoredFiles());
    }
}
