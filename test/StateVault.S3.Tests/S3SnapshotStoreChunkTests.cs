using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.S3.Tests;

/// <summary>What the S3 store promises about chunks beyond the shared facts: layout, listings, stored time, conditional delete.</summary>
public sealed class S3SnapshotStoreChunkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static S3SnapshotStore CreateStore(S3SnapshotStoreOptions options, IAmazonS3? client = null) =>
        new(options, NullLogger.Instance, client);

    private static (string Id, byte[] Data) NewChunk(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return (Convert.ToHexStringLower(SHA256.HashData(data)), data);
    }

    [Fact]
    public async Task PutChunk_StoresBytesUnchangedUnderTheSystemsChunkFolder()
    {
        var prefix = S3TestServer.UniquePrefix("chunk-layout");
        await using var sut = CreateStore(S3TestServer.Options(prefix));
        var (id, data) = NewChunk(5000, 1);

        await sut.PutChunkAsync("layout_sys", id, data, Ct);

        using var raw = S3TestServer.RawClient();
        var key = Assert.Single(await S3TestServer.ListKeysAsync(raw, prefix + "/", Ct));
        Assert.Equal($"{prefix}/layout_sys/.chunks/{id}", key);
        Assert.Equal(data, await S3TestServer.GetAsync(raw, key, Ct));
    }

    [Fact]
    public async Task ListSystems_SystemWithOnlyChunks_IsNotListedButOneWithSnapshotsAndChunksIs()
    {
        var prefix = S3TestServer.UniquePrefix("chunk-systems");
        await using var sut = CreateStore(S3TestServer.Options(prefix));
        for (var i = 0; i < 3; i++)
        {
            var (id, data) = NewChunk(100, 10 + i);
            await sut.PutChunkAsync("only_chunks", id, data, Ct);
            await sut.PutChunkAsync("both", id, data, Ct);
        }

        await sut.AppendAsync("both", null, seq => TestEnvelopes.Create("both", seq, "1"), Ct);

        var systems = new List<string>();
        await foreach (var name in sut.ListSystemsAsync(Ct))
        {
            systems.Add(name);
        }

        Assert.Equal(["both"], systems);
        Assert.Equal(0, await sut.GetLatestSequenceAsync("only_chunks", Ct));
        // s3rver never reports a folder whose objects all sit in sub-folders as a common prefix (AWS S3 does), so the
        // check each listed folder goes through is asserted on its own too.
        Assert.False(await sut.HasSnapshotStateAsync("only_chunks", Ct));
        Assert.True(await sut.HasSnapshotStateAsync("both", Ct));
    }

    [Fact]
    public async Task ListChunks_WithSmallPages_ReturnsEveryChunkOnce()
    {
        var prefix = S3TestServer.UniquePrefix("chunk-paging");
        await using var sut = CreateStore(S3TestServer.Options(prefix));
        sut.ListPageSize = 2;
        var chunks = Enumerable.Range(0, 7).Select(i => NewChunk(50 + i, 20 + i)).ToList();
        foreach (var (id, data) in chunks)
        {
            await sut.PutChunkAsync("paged", id, data, Ct);
        }

        var listed = new List<StoredChunkRef>();
        await foreach (var item in sut.ListChunksAsync("paged", Ct))
        {
            listed.Add(item);
        }

        Assert.Equal(chunks.Select(c => c.Id).Order(StringComparer.Ordinal), listed.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.All(listed, item => Assert.Equal(chunks.Single(c => c.Id == item.Id).Data.LongLength, item.Length));
    }

    /// <summary>
    /// S3 truncates LastModified to the second. A cut-off later in the same second as the put (the put may have happened
    /// after it) must not delete the chunk: the store reports the end of that second.
    /// </summary>
    [Fact]
    public async Task DeleteChunk_CutOffWithinTheSecondOfThePut_KeepsTheChunk()
    {
        var prefix = S3TestServer.UniquePrefix("chunk-second");
        await using var sut = CreateStore(S3TestServer.Options(prefix));
        var (id, data) = NewChunk(100, 30);
        await sut.PutChunkAsync("sec", id, data, Ct);
        using var raw = S3TestServer.RawClient();
        var head = await raw.GetObjectMetadataAsync(S3TestServer.Bucket, $"{prefix}/sec/.chunks/{id}", Ct);
        var lastModified = new DateTimeOffset(head.LastModified!.Value.ToUniversalTime());

        var deleted = await sut.DeleteChunkAsync("sec", id, lastModified.AddMilliseconds(500), Ct);

        Assert.False(deleted);
        Assert.NotNull(await sut.ReadChunkAsync("sec", id, Ct));
    }

    [Theory]
    [InlineData("2026-01-01T12:00:00.0000000Z", "2026-01-01T12:00:01.0000000Z")]
    [InlineData("2026-01-01T12:00:00.9000000Z", "2026-01-01T12:00:01.0000000Z")]
    [InlineData("2026-01-01T23:59:59.1000000Z", "2026-01-02T00:00:00.0000000Z")]
    public void StoredTime_LastModified_IsTheEndOfItsSecond(string lastModified, string expected)
    {
        var value = DateTime.Parse(lastModified, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), S3SnapshotStore.StoredTime(value, "k"));
    }

    /// <summary>A chunk read whose body fails its checksum (read while another process heals the chunk) is read again.</summary>
    [Fact]
    public async Task ReadChunk_BodyTornByAConcurrentOverwrite_ReadsAgainAndReturnsTheChunk()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(S3TestServer.Endpoint);
        var (id, data) = NewChunk(4000, 41);
        await using var sut = CreateStore(S3TestServer.Options(S3TestServer.UniquePrefix("chunk-torn"), proxy.Endpoint, S3ConditionalWrites.Disabled));
        await sut.PutChunkAsync("torn", id, data, Ct);
        proxy.TearNextReads(S3SnapshotStore.MaxBodyReadAttempts - 1);

        Assert.Equal(data, (await sut.ReadChunkAsync("torn", id, Ct))!.Data);
        Assert.Equal(0, proxy.PendingTears);
    }

    /// <summary>
    /// With conditional writes, the delete carries If-Match on the ETag it checked: another process that heals the chunk
    /// (puts different bytes) between the store's HEAD and DELETE keeps its copy.
    /// </summary>
    [Fact]
    public async Task DeleteChunk_ConditionalMode_DifferentBytesPutBetweenCheckAndDelete_KeepsTheNewBytes()
    {
        await using var proxy = await ConditionalWriteProxy.StartAsync(S3TestServer.Endpoint);
        var prefix = S3TestServer.UniquePrefix("chunk-ifmatch");
        var (id, data) = NewChunk(300, 40);
        var healed = data.Reverse().ToArray();
        using var client = new PutAfterHeadClient(proxy.Endpoint, healed);
        await using var sut = CreateStore(S3TestServer.Options(prefix, proxy.Endpoint, S3ConditionalWrites.Required), client);
        await sut.ResolveConditionalWritesAsync(Ct);
        await sut.PutChunkAsync("heal", id, data, Ct);

        var deleted = await sut.DeleteChunkAsync("heal", id, DateTimeOffset.UtcNow.AddHours(1), Ct);

        Assert.True(client.Intruded);
        Assert.False(deleted);
        Assert.Equal(healed, (await sut.ReadChunkAsync("heal", id, Ct))!.Data);
    }

    /// <summary>Plays "another process": right after the store's first HEAD of a chunk, it puts other bytes at the same key.</summary>
    private sealed class PutAfterHeadClient(Uri endpoint, byte[] intruder) : AmazonS3Client(new AmazonS3Config
    {
        ServiceURL = endpoint.ToString(),
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    })
    {
        private int _done;

        public bool Intruded => Volatile.Read(ref _done) == 1;

        public override async Task<GetObjectMetadataResponse> GetObjectMetadataAsync(GetObjectMetadataRequest request, CancellationToken cancellationToken = default)
        {
            var response = await base.GetObjectMetadataAsync(request, cancellationToken);
            if (request.Key.Contains("/.chunks/", StringComparison.Ordinal) && Interlocked.Exchange(ref _done, 1) == 0)
            {
                await base.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = request.BucketName,
                    Key = request.Key,
                    InputStream = new MemoryStream(intruder),
                    UseChunkEncoding = false,
                }, cancellationToken);
            }

            return response;
        }
    }
}
