using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using StateVault.Chunking;
using StateVault.Envelope;
using StateVault.Retention;
using StateVault.Secrets;
using StateVault.Storage;
using StateVault.TestKit;
using StateVault.Tests.Support;

namespace StateVault.Tests.Vault;

/// <summary>Chunked snapshots on the file store (issue 13, item 1): save, dedupe, load, damage, collection.</summary>
public sealed class SnapshotVaultChunkTests : IAsyncLifetime
{
    private const string System = "big";
    private readonly VaultHarness _h = new();

    private static CancellationToken Ct => VaultHarness.Ct;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    /// <summary>About 300 KiB of records; <paramref name="changed"/> rewrites one record in the middle.</summary>
    internal static byte[] State(int version = 0, int records = 4000, int changedRecord = -1)
    {
        var builder = new StringBuilder("{\"records\":[");
        for (var i = 0; i < records; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            var value = i == (changedRecord < 0 ? records / 2 : changedRecord) ? version : 0;
            builder.Append("{\"id\":").Append(i).Append(",\"name\":\"record number ").Append(i * 7919 % 10007)
                .Append("\",\"note\":\"lorem ipsum dolor sit amet\",\"value\":").Append(value).Append('}');
        }

        return Encoding.UTF8.GetBytes(builder.Append("]}").ToString());
    }

    private static void Small(SnapshotVaultOptions o)
    {
        o.SecretPolicy = SecretPolicy.Off;
        o.Chunking.Threshold = 64 * 1024;
        o.Chunking.AverageChunkSize = 4 * 1024;
    }

    private static void SmallWithSecretPolicy(SnapshotVaultOptions o, SecretPolicy policy)
    {
        Small(o);
        o.SecretPolicy = policy;
    }

    /// <summary><see cref="State"/> with an API key in front of its records (so in its first chunk).</summary>
    private static byte[] StateWithASecret() =>
        Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(State()).Replace("\"records\":[", "\"api_key\":\"" + FakeSecrets.OpenAiProject + "\",\"records\":[", StringComparison.Ordinal));

    private string ChunkFolder => Path.Combine(_h.SystemFolder(System), ".chunks");

    private string[] ChunkFiles() =>
        Directory.Exists(ChunkFolder) ? Directory.GetFiles(ChunkFolder, "*", SearchOption.AllDirectories).Where(f => ChunkId.IsValid(Path.GetFileName(f))).ToArray() : [];

    private string ChunkFile(string id) => Path.Combine(ChunkFolder, id[..2], id);

    private ChunkManifest Manifest(long sequence)
    {
        var (header, payload) = SnapshotEnvelope.Decode(File.ReadAllBytes(_h.SnapshotPath(System, sequence)));
        Assert.Equal(ChunkManifest.Codec, header.Codec);
        return ChunkManifest.Parse(payload.Span, long.MaxValue);
    }

    [Fact]
    public async Task Save_LargeStateOnFileStore_WritesChunksAndAChunkedEnvelope()
    {
        var sut = _h.CreateVault(Small);
        var state = State();

        var saved = await sut.SaveJsonAsync(System, state, cancellationToken: Ct);

        Assert.Equal(ChunkManifest.Codec, saved.Codec);
        Assert.Equal(state.Length, saved.RawLength);
        var manifest = Manifest(saved.Sequence);
        Assert.True(manifest.Chunks.Count > 10, $"{manifest.Chunks.Count} chunks");
        Assert.Equal(manifest.Chunks.Select(c => c.Id).Distinct().Order(), ChunkFiles().Select(Path.GetFileName).Order());
        Assert.True(new FileInfo(_h.SnapshotPath(System, saved.Sequence)).Length < state.Length / 10);
        Assert.Equal([saved.Sequence], (await sut.ListAsync(System, Ct)).Select(l => l.Sequence));
    }

    [Fact]
    public async Task Save_StoreThatKeepsNoChunksBehindIt_StoresWholeSnapshotsAndStopsTrying()
    {
        var store = new CountingChunkStore((ISnapshotStoreWithChunks)_h.Store) { KeepsNoChunks = true };
        var sut = _h.CreateVault(Small, store);

        var first = await sut.SaveJsonAsync(System, State(1), cancellationToken: Ct);
        var putsAfterFirst = store.Puts;
        var second = await sut.SaveJsonAsync(System, State(2), cancellationToken: Ct);

        Assert.NotEqual(ChunkManifest.Codec, first.Codec);
        Assert.NotEqual(ChunkManifest.Codec, second.Codec);
        Assert.Equal(putsAfterFirst, store.Puts);
        Assert.Equal(State(2), (await sut.LoadLatestJsonAsync(System, Ct))!.Json.ToArray());
        Assert.Empty(ChunkFiles());
    }

    [Fact]
    public async Task Save_BelowThresholdOrChunkingOff_StoresAWholeSnapshot()
    {
        var sut = _h.CreateVault(o =>
        {
            Small(o);
            o.Chunking.Threshold = 1024 * 1024;
        });
        var off = _h.CreateVault(o =>
        {
            Small(o);
            o.Chunking.Enabled = false;
        });

        Assert.NotEqual(ChunkManifest.Codec, (await sut.SaveJsonAsync(System, State(), cancellationToken: Ct)).Codec);
        Assert.NotEqual(ChunkManifest.Codec, (await off.SaveJsonAsync(System, State(), cancellationToken: Ct)).Codec);
        Assert.Empty(ChunkFiles());
    }

    [Fact]
    public async Task Save_SecondSaveWithASmallChange_PutsOnlyTheNewChunks()
    {
        var store = new CountingChunkStore((ISnapshotStoreWithChunks)_h.Store);
        var sut = _h.CreateVault(Small, store);
        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);
        var first = store.Puts;

        await sut.SaveJsonAsync(System, State(1), cancellationToken: Ct);

        var second = store.Puts - first;
        Assert.True(first > 10, $"first save put {first}");
        Assert.InRange(second, 1, 3);
        var (older, newer) = (Manifest(1), Manifest(2));
        Assert.Equal(newer.Chunks.Select(c => c.Id).Except(older.Chunks.Select(c => c.Id)).Count(), second);
    }

    [Fact]
    public async Task Save_SameStateAgain_PutsNothingNew()
    {
        var store = new CountingChunkStore((ISnapshotStoreWithChunks)_h.Store);
        var sut = _h.CreateVault(Small, store);
        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);
        var first = store.Puts;

        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);

        Assert.Equal(first, store.Puts);
    }

    [Fact]
    public async Task Save_KnownChunkOlderThanHalfTheGrace_PutsItAgain()
    {
        var store = new CountingChunkStore((ISnapshotStoreWithChunks)_h.Store);
        var sut = _h.CreateVault(o =>
        {
            Small(o);
            o.Chunking.GracePeriod = TimeSpan.FromMinutes(10);
        }, store);
        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);
        var first = store.Puts;
        _h.Clock.Advance(TimeSpan.FromMinutes(4));
        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);
        Assert.Equal(first, store.Puts);

        _h.Clock.Advance(TimeSpan.FromMinutes(2));
        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);

        Assert.Equal(2 * first, store.Puts);
    }

    [Fact]
    public async Task Load_ChunkedSnapshot_ReturnsTheExactJson()
    {
        var sut = _h.CreateVault(Small);
        var state = State(3);
        await sut.SaveJsonAsync(System, state, cancellationToken: Ct);

        var fresh = _h.CreateVault(Small);
        var loaded = await fresh.LoadLatestJsonAsync(System, Ct);
        var one = await fresh.LoadJsonAsync(System, 1, Ct);
        var verify = await fresh.VerifyAsync(System, cancellationToken: Ct);

        Assert.Equal(state, loaded!.Json.ToArray());
        Assert.Empty(loaded.Skipped);
        Assert.Equal(state, one!.Json.ToArray());
        Assert.True(verify.IsHealthy);
    }

    [Fact]
    public async Task Load_ChunkedWithCompression_ReturnsTheExactJson()
    {
        var sut = _h.CreateVault(o =>
        {
            Small(o);
            o.Compression.CompressOnLocalStores = true;
        });
        var state = State(5);
        await sut.SaveJsonAsync(System, state, cancellationToken: Ct);

        var loaded = await _h.CreateVault(Small).LoadLatestJsonAsync(System, Ct);

        Assert.Equal(state, loaded!.Json.ToArray());
        Assert.StartsWith("SVCHUNK/1 zstd ", Encoding.ASCII.GetString(File.ReadAllBytes(ChunkFiles()[0]), 0, 15));
    }

    [Fact]
    public async Task Load_ChunkOnlyTheNewestUsesIsDamaged_FallsBackToThePreviousAndReportsIt()
    {
        var sut = _h.CreateVault(Small);
        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);
        await sut.SaveJsonAsync(System, State(1), cancellationToken: Ct);
        var onlyNewest = Manifest(2).Chunks.Select(c => c.Id).Except(Manifest(1).Chunks.Select(c => c.Id)).First();
        Flip(ChunkFile(onlyNewest));

        var loaded = await _h.CreateVault(Small).LoadLatestJsonAsync(System, Ct);

        Assert.Equal(1, loaded!.Metadata.Sequence);
        Assert.Equal(State(0), loaded.Json.ToArray());
        var skipped = Assert.Single(loaded.Skipped);
        Assert.Equal(2, skipped.Sequence);
        Assert.Contains(onlyNewest, skipped.Reason, StringComparison.Ordinal);
        Assert.Contains("damaged", skipped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAndLoad_ChunkSharedByAllIsDamaged_EachSnapshotReportedAndNoneLoads()
    {
        var sut = _h.CreateVault(Small);
        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);
        await sut.SaveJsonAsync(System, State(1), cancellationToken: Ct);
        var shared = Manifest(2).Chunks.Select(c => c.Id).Intersect(Manifest(1).Chunks.Select(c => c.Id)).First();
        Flip(ChunkFile(shared));
        var fresh = _h.CreateVault(Small);

        var verify = await fresh.VerifyAsync(System, cancellationToken: Ct);
        var loaded = await fresh.LoadLatestJsonAsync(System, Ct);

        Assert.Equal([1L, 2L], verify.Damaged.Select(d => d.Sequence).Order());
        Assert.All(verify.Damaged, d => Assert.Contains(shared, d.Error, StringComparison.Ordinal));
        Assert.Null(loaded);
    }

    [Fact]
    public async Task VerifyAndLoad_ChunkMissing_EverySnapshotUsingItFallsBack()
    {
        var sut = _h.CreateVault(Small);
        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);
        await sut.SaveJsonAsync(System, State(1), cancellationToken: Ct);
        await sut.SaveJsonAsync(System, State(2), cancellationToken: Ct);
        var onlyTwoAndThree = Manifest(3).Chunks.Select(c => c.Id).Intersect(Manifest(2).Chunks.Select(c => c.Id)).Except(Manifest(1).Chunks.Select(c => c.Id)).FirstOrDefault();
        var shared = onlyTwoAndThree ?? Manifest(3).Chunks.Select(c => c.Id).Except(Manifest(1).Chunks.Select(c => c.Id)).First();
        var expectedDamaged = new[] { 1L, 2L, 3L }.Where(s => Manifest(s).Chunks.Any(c => c.Id == shared)).ToArray();
        File.Delete(ChunkFile(shared));
        var fresh = _h.CreateVault(Small);

        var verify = await fresh.VerifyAsync(System, cancellationToken: Ct);
        var loaded = await fresh.LoadLatestJsonAsync(System, Ct);

        Assert.Equal(expectedDamaged, verify.Damaged.Select(d => d.Sequence).Order());
        Assert.All(verify.Damaged, d => Assert.Contains($"chunk {shared} is missing", d.Error, StringComparison.Ordinal));
        Assert.Contains(3L, expectedDamaged);
        Assert.Equal(new[] { 1L, 2L, 3L }.Except(expectedDamaged).Max(), loaded!.Metadata.Sequence);
        Assert.Equal(expectedDamaged.OrderDescending(), loaded.Skipped.Select(s => s.Sequence));
    }

    [Fact]
    public async Task Save_AfterALoadFoundAChunkDamaged_PutsItAgainAndHeals()
    {
        var sut = _h.CreateVault(Small);
        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);
        var chunk = Manifest(1).Chunks[0].Id;
        Flip(ChunkFile(chunk));
        Assert.Null(await sut.LoadLatestJsonAsync(System, Ct));

        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);

        Assert.Equal(State(0), (await _h.CreateVault(Small).LoadLatestJsonAsync(System, Ct))!.Json.ToArray());
    }

    [Fact]
    public async Task Save_StateWithASecretAboveTheThreshold_IsRejectedBeforeAnyChunkIsPut()
    {
        var sut = _h.CreateVault(o => SmallWithSecretPolicy(o, SecretPolicy.Reject));

        await Assert.ThrowsAsync<SecretDetectedException>(() => sut.SaveJsonAsync(System, StateWithASecret(), cancellationToken: Ct));

        Assert.Empty(ChunkFiles());
    }

    [Fact]
    public async Task Save_StateWithASecretAboveTheThresholdUnderRedact_ChunksTheRedactedJsonAndNoChunkHoldsTheSecret()
    {
        // The chunks are cut and hashed while the secret scan runs: once the policy redacts, they must be cut again from
        // the redacted JSON (the secret sits in the first chunk, and every offset after it moves).
        var sut = _h.CreateVault(o => SmallWithSecretPolicy(o, SecretPolicy.Redact));

        var saved = await sut.SaveJsonAsync(System, StateWithASecret(), cancellationToken: Ct);

        Assert.Equal(ChunkManifest.Codec, saved.Codec);
        Assert.NotEmpty(ChunkFiles());
        Assert.All(ChunkFiles(), f => Assert.DoesNotContain(FakeSecrets.OpenAiProject, Encoding.UTF8.GetString(File.ReadAllBytes(f)), StringComparison.Ordinal));
        var loaded = Encoding.UTF8.GetString((await _h.CreateVault(Small).LoadLatestJsonAsync(System, Ct))!.Json.Span);
        Assert.DoesNotContain(FakeSecrets.OpenAiProject, loaded, StringComparison.Ordinal);
        Assert.Contains("[REDACTED:", loaded, StringComparison.Ordinal);
        Assert.EndsWith(Encoding.UTF8.GetString(State())["{\"records\":[".Length..], loaded, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_KeptChunkedSnapshotLostAChunk_IsNotCountedAndAnOlderOneIsKept()
    {
        var sut = _h.CreateVault(o =>
        {
            Small(o);
            o.Retention = new RetentionPolicy { KeepLast = 2 };
        });
        await sut.SaveJsonAsync(System, State(0), cancellationToken: Ct);
        await sut.SaveJsonAsync(System, State(1), cancellationToken: Ct);
        var onlySecond = Manifest(2).Chunks.Select(c => c.Id).Except(Manifest(1).Chunks.Select(c => c.Id)).First();
        File.Delete(ChunkFile(onlySecond));

        await sut.SaveJsonAsync(System, State(2), cancellationToken: Ct);

        // Snapshot 2 lost a chunk after it was cached as valid: the re-check sees it, so snapshot 1 is kept as the backup.
        Assert.Contains(1L, _h.StoredSequences(System));
        Assert.Equal(State(0), (await sut.LoadJsonAsync(System, 1, Ct))!.Json.ToArray());
    }

    [Fact]
    public void Options_InvalidChunking_Throw()
    {
        Assert.ThrowsAny<ArgumentException>(() => new SnapshotVaultOptions { Chunking = new ChunkingOptions { AverageChunkSize = 3000 } }.Validate());
        Assert.ThrowsAny<ArgumentException>(() => new SnapshotVaultOptions { Chunking = new ChunkingOptions { Threshold = 0 } }.Validate());
        Assert.ThrowsAny<ArgumentException>(() => new SnapshotVaultOptions { Chunking = new ChunkingOptions { GracePeriod = TimeSpan.FromSeconds(-1) } }.Validate());
        Assert.ThrowsAny<ArgumentException>(() => new SnapshotVaultOptions { Chunking = new ChunkingOptions { MaxParallelism = 0 } }.Validate());
        new SnapshotVaultOptions { Chunking = new ChunkingOptions { GracePeriod = TimeSpan.Zero } }.Validate();
    }

    [Fact]
    public async Task ListSystemsAsync_CountsChunksOnlyWhenAsked()
    {
        var store = new CountingChunkStore((ISnapshotStoreWithChunks)_h.Store);
        var sut = _h.CreateVault(Small, store);
        await sut.SaveJsonAsync("counted", State(), cancellationToken: Ct);
        var before = store.ChunkListings;

        var plain = await sut.ListSystemsAsync(countChunks: false, Ct);

        Assert.Equal(before, store.ChunkListings); // a list of systems (the dashboard's) reads no chunk folder
        Assert.Equal(0, Assert.Single(plain).Chunks);
        var counted = await sut.ListSystemsAsync(Ct);
        Assert.True(store.ChunkListings > before);
        Assert.True(Assert.Single(counted).Chunks > 0);
    }

    internal static void Flip(string path)
    {
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>A chunk store that counts chunk puts.</summary>
    internal sealed class CountingChunkStore(ISnapshotStoreWithChunks inner)
        : DelegatingChunkSnapshotStore<ISnapshotStoreWithChunks>(inner, ownsInner: false)
    {
        private int _puts;
        private int _chunkListings;

        public int Puts => _puts;

        public int ChunkListings => _chunkListings;

        /// <summary>Makes puts fail as a store whose back end keeps no chunks does (an http: server, a mirror's primary).</summary>
        public bool KeepsNoChunks { get; set; }

        public override Task PutChunkAsync(string system, string chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _puts);
            if (KeepsNoChunks)
            {
                throw new NotSupportedException("the back end keeps no chunks");
            }

            return Inner.PutChunkAsync(system, chunkId, data, cancellationToken);
        }

        public override IAsyncEnumerable<StoredChunkRef> ListChunksAsync(string system, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _chunkListings);
            return Inner.ListChunksAsync(system, cancellationToken);
        }
    }
}
