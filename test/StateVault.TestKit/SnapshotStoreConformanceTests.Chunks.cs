using System.Security.Cryptography;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Storage;
using Xunit;

namespace StateVault.TestKit;

/// <summary>The chunk facts: every store that implements <see cref="ISnapshotStoreWithChunks"/> must pass them.</summary>
public abstract partial class SnapshotStoreConformanceTests
{
    private ISnapshotStoreWithChunks Chunks =>
        Sut as ISnapshotStoreWithChunks ?? throw new InvalidOperationException("checked by RequireChunks");

    /// <summary>Skips the chunk facts for a store that keeps no chunks (it then never gets chunked snapshots).</summary>
    private ISnapshotStoreWithChunks RequireChunks()
    {
        if (Sut is not ISnapshotStoreWithChunks)
        {
            Assert.Skip($"The {Sut.Kind} store does not implement ISnapshotStoreWithChunks.");
        }

        return Chunks;
    }

    // Framed like the engine's chunks (a store that checks what it is given, such as the server behind the http: store,
    // accepts them); to every other store they are just bytes.
    private static (string Id, byte[] Data) NewChunk(int length, int seed, string codec = SnapshotCodecs.Identity)
    {
        var content = new byte[length];
        new Random(seed).NextBytes(content);
        return (Convert.ToHexStringLower(SHA256.HashData(content)), ChunkFrame.Encode(codec, content));
    }

    private async Task<List<StoredChunkRef>> ListChunksAsync(string system)
    {
        var list = new List<StoredChunkRef>();
        await foreach (var item in Chunks.ListChunksAsync(system, Ct))
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>A chunk comes back unchanged with the time it was stored; listing shows its id and length.</summary>
    [Fact]
    public virtual async Task PutChunk_ThenReadAndList_ReturnsTheSameBytesLengthAndTime()
    {
        var sut = RequireChunks();
        var system = Sys("chunk_roundtrip");
        var (id, data) = NewChunk(70_000, 1);

        await sut.PutChunkAsync(system, id, data, Ct);
        var read = await sut.ReadChunkAsync(system, id, Ct);
        var listed = await ListChunksAsync(system);

        Assert.NotNull(read);
        Assert.Equal(data, read.Data);
        var item = Assert.Single(listed);
        Assert.Equal(id, item.Id);
        Assert.Equal(data.LongLength, item.Length);
        Assert.Equal(read.StoredUtc, item.StoredUtc);
        Assert.InRange(item.StoredUtc, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(10));
    }

    /// <summary>An unknown chunk is not an error; chunks never show up as snapshots.</summary>
    [Fact]
    public virtual async Task ReadChunk_Missing_ReturnsNullAndChunksAreNotSnapshots()
    {
        var sut = RequireChunks();
        var system = Sys("chunk_missing");
        var (id, _) = NewChunk(10, 2);
        Assert.Null(await sut.ReadChunkAsync(system, id, Ct));
        Assert.Empty(await ListChunksAsync(system));
        Assert.False(await sut.DeleteChunkAsync(system, id, DateTimeOffset.MaxValue, Ct));

        var (other, data) = NewChunk(10, 3);
        await sut.PutChunkAsync(system, other, data, Ct);

        Assert.Empty(await ListAsync(system));
        Assert.Equal(0, await Sut.GetLatestSequenceAsync(system, Ct));
    }

    /// <summary>Chunks of one system are invisible to another.</summary>
    [Fact]
    public virtual async Task PutChunk_InOneSystem_IsNotVisibleInAnother()
    {
        var sut = RequireChunks();
        var (id, data) = NewChunk(100, 4);
        await sut.PutChunkAsync(Sys("chunk_a"), id, data, Ct);

        Assert.Null(await sut.ReadChunkAsync(Sys("chunk_b"), id, Ct));
        Assert.Empty(await ListChunksAsync(Sys("chunk_b")));
        Assert.False(await sut.DeleteChunkAsync(Sys("chunk_b"), id, DateTimeOffset.MaxValue, Ct));
        Assert.NotNull(await sut.ReadChunkAsync(Sys("chunk_a"), id, Ct));
    }

    /// <summary>Putting a chunk again overwrites it (heals a damaged copy) and moves its stored time forward.</summary>
    [Fact]
    public virtual async Task PutChunk_Again_OverwritesAndDoesNotMoveTheStoredTimeBack()
    {
        var sut = RequireChunks();
        var system = Sys("chunk_again");
        var (id, data) = NewChunk(1000, 5);
        // Other bytes under the same id: the same content framed with another codec.
        var (_, other) = NewChunk(1000, 5, SnapshotCodecs.Gzip);
        Assert.NotEqual(data, other);
        await sut.PutChunkAsync(system, id, other, Ct);
        var first = (await sut.ReadChunkAsync(system, id, Ct))!.StoredUtc;

        await sut.PutChunkAsync(system, id, data, Ct);
        var second = await sut.ReadChunkAsync(system, id, Ct);

        Assert.Equal(data, second!.Data);
        Assert.True(second.StoredUtc >= first, $"stored time went back from {first:O} to {second.StoredUtc:O}");
        Assert.Single(await ListChunksAsync(system));
    }

    /// <summary>A delete is conditional on the stored time: a chunk stored at or after the cut-off is kept.</summary>
    [Fact]
    public virtual async Task DeleteChunk_ConditionalOnStoredTime_DeletesOnlyOlderChunks()
    {
        var sut = RequireChunks();
        var system = Sys("chunk_delete");
        var (id, data) = NewChunk(500, 6);
        await sut.PutChunkAsync(system, id, data, Ct);
        var stored = (await sut.ReadChunkAsync(system, id, Ct))!.StoredUtc;

        Assert.False(await sut.DeleteChunkAsync(system, id, stored, Ct));
        Assert.False(await sut.DeleteChunkAsync(system, id, stored.AddHours(-1), Ct));
        Assert.NotNull(await sut.ReadChunkAsync(system, id, Ct));

        Assert.True(await sut.DeleteChunkAsync(system, id, stored.AddSeconds(2), Ct));
        Assert.Null(await sut.ReadChunkAsync(system, id, Ct));
        Assert.Empty(await ListChunksAsync(system));
        Assert.False(await sut.DeleteChunkAsync(system, id, DateTimeOffset.MaxValue, Ct));
    }

    /// <summary>Ids that are not 64 lowercase hex digits (paths, traversal, upper case) are refused on every operation.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("../../../../etc/passwd")]
    [InlineData("ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678")]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789/..")]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678g")]
    public virtual async Task ChunkOperations_InvalidId_ThrowArgumentExceptionAndWriteNothing(string id)
    {
        var sut = RequireChunks();
        var system = Sys("chunk_bad_id");

        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.PutChunkAsync(system, id, new byte[] { 1 }, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.ReadChunkAsync(system, id, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.DeleteChunkAsync(system, id, DateTimeOffset.MaxValue, Ct));
        Assert.Empty(await ListChunksAsync(system));
    }

    /// <summary>Many tasks putting the same and different chunks at once: every chunk is whole afterwards.</summary>
    [Fact]
    public virtual async Task PutChunk_ConcurrentlySameAndDifferent_AllWhole()
    {
        var sut = RequireChunks();
        var system = Sys("chunk_concurrent");
        var chunks = Enumerable.Range(0, 6).Select(i => NewChunk(20_000 + i, 100 + i)).ToList();

        await Task.WhenAll(Enumerable.Range(0, 4).SelectMany(_ => chunks).Select(c => Task.Run(() => sut.PutChunkAsync(system, c.Id, c.Data, Ct), Ct)));

        foreach (var (id, data) in chunks)
        {
            Assert.Equal(data, (await sut.ReadChunkAsync(system, id, Ct))!.Data);
        }

        Assert.Equal(chunks.Select(c => c.Id).Order(), (await ListChunksAsync(system)).Select(c => c.Id).Order());
    }

    /// <summary>A second instance over the same backend (another process) sees the chunks the first stored.</summary>
    [Fact]
    public virtual async Task PutChunk_FromOneInstance_IsReadableFromAnother()
    {
        RequireChunks();
        await using var second = await CreateSecondInstanceAsync();
        if (second is null)
        {
            Assert.False(Sut.Capabilities.SupportsMultipleProcesses, "A store that claims SupportsMultipleProcesses must supply a second instance.");
            return;
        }

        var system = Sys("chunk_two");
        var (id, data) = NewChunk(3000, 7);
        await Chunks.PutChunkAsync(system, id, data, Ct);

        var read = await ((ISnapshotStoreWithChunks)second).ReadChunkAsync(system, id, Ct);

        Assert.Equal(data, read!.Data);
    }
}
