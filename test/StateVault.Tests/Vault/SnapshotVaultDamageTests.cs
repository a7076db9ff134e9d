using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Retention;
using StateVault.TestKit;
using StateVault.Tests.Support;

namespace StateVault.Tests.Vault;

/// <summary>
/// Damage that must never stop a load: crafted headers, files too large to read, quarantine that cannot move anything,
/// snapshots damaged after retention last looked at them (issue 12, items 1, 7, 8 and 9).
/// </summary>
public sealed class SnapshotVaultDamageTests : IAsyncLifetime
{
    private readonly VaultHarness _h = new();

    private static CancellationToken Ct => VaultHarness.Ct;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    private static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }

        return output.ToArray();
    }

    /// <summary>Writes a snapshot file whose checksums are all valid but whose header claims <paramref name="rawLength"/>.</summary>
    private void WriteCrafted(string system, long sequence, string codec, byte[] payload, long rawLength)
    {
        var header = new SnapshotHeader
        {
            System = system,
            Sequence = sequence,
            CreatedUtc = _h.Clock.GetUtcNow(),
            SchemaVersion = 1,
            StateType = "json",
            Codec = codec,
            StoredLength = payload.Length,
            RawLength = rawLength,
            Sha256 = SnapshotEnvelope.Sha256Hex(payload),
        };
        File.WriteAllBytes(_h.SnapshotPath(system, sequence), SnapshotEnvelope.Create(header, payload).ToArray());
    }

    [Fact]
    public async Task LoadAndVerify_HeaderClaimsTwoGigabytesOfState_FallBackWithoutAllocatingIt()
    {
        var sut = _h.CreateVault(o => o.PruneAfterSave = false);
        await sut.SaveJsonAsync("bomb", "{\"good\":1}"u8.ToArray(), cancellationToken: Ct);
        WriteCrafted("bomb", 2, SnapshotCodecs.Gzip, Gzip("{\"a\":1}"u8.ToArray()), rawLength: 2_147_483_591);
        WriteCrafted("bomb", 3, SnapshotCodecs.Zstd, SnapshotCodecs.Encode(SnapshotCodecs.Zstd, "{\"a\":1}"u8.ToArray()).ToArray(), rawLength: 2_147_483_591);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var report = await sut.VerifyAsync("bomb", cancellationToken: Ct);
        var loaded = await sut.LoadLatestJsonAsync("bomb", Ct);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 512L * 1024 * 1024, $"verify + load allocated {allocated:N0} bytes");
        Assert.Equal([2L, 3L], report.Snapshots.Where(s => !s.IsValid).Select(s => s.Sequence).Order());
        Assert.NotNull(loaded);
        Assert.Equal(1, loaded.Metadata.Sequence);
        Assert.Equal([3L, 2L], loaded.Skipped.Select(s => s.Sequence));
        Assert.All(loaded.Skipped, s => Assert.True(s.Quarantined));
    }

    [Fact]
    public async Task Load_PayloadLongerThanItsDeclaredLength_IsDamage()
    {
        var sut = _h.CreateVault(o => o.PruneAfterSave = false);
        await sut.SaveJsonAsync("long", "{\"good\":1}"u8.ToArray(), cancellationToken: Ct);
        var raw = Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', 1 << 20) + "\"}");
        WriteCrafted("long", 2, SnapshotCodecs.Gzip, Gzip(raw), rawLength: 16);

        var loaded = await sut.LoadLatestJsonAsync("long", Ct);

        Assert.Equal(1, loaded!.Metadata.Sequence);
        Assert.Contains("does not decode", Assert.Single(loaded.Skipped).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_QuarantineMoveFails_StillReturnsNewestValidAndReportsTheFailure()
    {
        var flaky = new FlakyStore(_h.Store);
        var sut = _h.CreateVault(o => o.PruneAfterSave = false, flaky);
        await sut.SaveAsync("ro", new JsonObject { ["v"] = 1 }, cancellationToken: Ct);
        await sut.SaveAsync("ro", new JsonObject { ["v"] = 2 }, cancellationToken: Ct);
        _h.Corrupt("ro", 2);
        flaky.QuarantineFails = true;

        var json = await sut.LoadLatestJsonAsync("ro", Ct);
        var typed = await sut.LoadLatestAsync<JsonObject>("ro", Ct);
        var prune = await sut.PruneAsync("ro", new RetentionPolicy { KeepLast = 1 }, cancellationToken: Ct);

        Assert.Equal(1, json!.Metadata.Sequence);
        Assert.Equal(1, typed!.State["v"]!.GetValue<int>());
        var skipped = Assert.Single(typed.Skipped);
        Assert.False(skipped.Quarantined);
        Assert.Contains("Read-only file system", skipped.QuarantineError, StringComparison.Ordinal);
        Assert.Contains("quarantine of snapshot 2 of ro failed", _h.Logger.AllText, StringComparison.OrdinalIgnoreCase);
        // The damaged snapshot stays where it is (it could not be moved), is not deleted, and keeps not counting.
        Assert.Empty(prune.Quarantined);
        Assert.Equal([1L, 2L], _h.StoredSequences("ro"));
    }

    [Fact]
    public async Task EveryVerb_HugeSparseSnapshotFile_IsDamageQuarantinedAndFallenBackFrom()
    {
        var sut = _h.CreateVault();
        await sut.SaveAsync("huge", new JsonObject { ["v"] = 1 }, cancellationToken: Ct);
        await sut.SaveAsync("huge", new JsonObject { ["v"] = 2 }, cancellationToken: Ct);
        using (var file = new FileStream(_h.SnapshotPath("huge", 3), FileMode.CreateNew))
        {
            file.SetLength(3L << 30); // sparse: costs no disk
        }

        var listed = await sut.ListAsync("huge", Ct);
        var report = await sut.VerifyAsync("huge", cancellationToken: Ct);
        var plan = await sut.PruneAsync("huge", dryRun: true, cancellationToken: Ct);
        var loaded = await sut.LoadLatestJsonAsync("huge", Ct);
        await sut.SaveAsync("huge", new JsonObject { ["v"] = 4 }, cancellationToken: Ct);
        await sut.SaveAsync("huge", new JsonObject { ["v"] = 5 }, cancellationToken: Ct);

        Assert.False(listed[0].IsValid);
        Assert.Contains("larger than", listed[0].Error, StringComparison.Ordinal);
        Assert.Equal(3, Assert.Single(report.Snapshots, s => !s.IsValid).Sequence);
        Assert.Single(plan.Plans);
        Assert.Equal(2, loaded!.Metadata.Sequence);
        Assert.True(Assert.Single(loaded.Skipped).Quarantined);
        Assert.Equal([1L, 2L, 4L, 5L], _h.StoredSequences("huge"));
        Assert.Contains("huge-0000000000000000003.svsnap", _h.QuarantinedFiles("huge"));
        Assert.DoesNotContain("Retention after saving", _h.Logger.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_SnapshotDamagedOnDiskAfterItWasWritten_DoesNotCountForKeepLast()
    {
        var sut = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepLast = 5 });
        for (var i = 1; i <= 6; i++)
        {
            await sut.SaveAsync("kept", new JsonObject { ["v"] = i }, cancellationToken: Ct);
        }

        Assert.Equal([2L, 3L, 4L, 5L, 6L], _h.StoredSequences("kept"));
        _h.Corrupt("kept", 4); // same length: a cache keyed by length cannot see it

        await sut.SaveAsync("kept", new JsonObject { ["v"] = 7 }, cancellationToken: Ct);

        // Five valid snapshots are 2, 3, 5, 6, 7: the good older backup 2 stays, the damaged 4 is quarantined.
        Assert.Equal([2L, 3L, 5L, 6L, 7L], _h.StoredSequences("kept"));
        Assert.Contains("kept-0000000000000000004.svsnap", _h.QuarantinedFiles("kept"));
    }

    [Fact]
    public async Task SaveAsync_KeptSnapshotAlreadyRecheckedThenDamagedInPlaceKeepingItsFileTimes_DoesNotCountForKeepLast()
    {
        var sut = _h.CreateVault(o => o.Retention = new RetentionPolicy { KeepLast = 5 });
        for (var i = 1; i <= 7; i++)
        {
            // Saves 6 and 7 prune: each re-checks the kept 2..5 (3..6) before deleting, so 4 passed two re-checks.
            await sut.SaveAsync("kept", new JsonObject { ["v"] = i }, cancellationToken: Ct);
        }

        Assert.Equal([3L, 4L, 5L, 6L, 7L], _h.StoredSequences("kept"));
        var path = _h.SnapshotPath("kept", 4);
        var written = File.GetLastWriteTimeUtc(path);
        _h.Corrupt("kept", 4); // same length
        File.SetLastWriteTimeUtc(path, written); // as if damaged within the timestamp tick of its write: file times cannot see it

        await sut.SaveAsync("kept", new JsonObject { ["v"] = 8 }, cancellationToken: Ct);

        // Five valid snapshots are 3, 5, 6, 7, 8: the good older backup 3 stays, the damaged 4 is quarantined.
        Assert.Equal([3L, 5L, 6L, 7L, 8L], _h.StoredSequences("kept"));
        Assert.Contains("kept-0000000000000000004.svsnap", _h.QuarantinedFiles("kept"));
    }

    [Fact]
    public async Task SaveAsync_StoreHandsOutAWrappedSequence_IsRefusedAndWritesNothing()
    {
        var flaky = new FlakyStore(_h.Store) { SequenceOverride = _ => long.MinValue };
        var sut = _h.CreateVault(store: flaky);

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.SaveAsync("wrap", new JsonObject { ["v"] = 1 }, cancellationToken: Ct));

        Assert.Contains("out of range", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_h.StoredSequences("wrap"));
    }

    [Fact]
    public async Task SaveJsonAsync_StateAboveMaxStateBytes_IsRefusedAndWritesNothing()
    {
        var sut = _h.CreateVault(o => o.MaxStateBytes = 1024);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => sut.SaveJsonAsync("cap", Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', 2000) + "\"}"), cancellationToken: Ct));

        Assert.Contains("maximum state size", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_h.StoredSequences("cap"));
    }

    [Fact]
    public async Task Load_SnapshotLargerThanMaxStateBytes_IsDamageAndFallsBack()
    {
        var writer = _h.CreateVault(o => o.PruneAfterSave = false);
        await writer.SaveJsonAsync("cap", "{\"small\":1}"u8.ToArray(), cancellationToken: Ct);
        await writer.SaveJsonAsync("cap", Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', 2000) + "\"}"), cancellationToken: Ct);
        var sut = _h.CreateVault(o => o.MaxStateBytes = 1024);

        var loaded = await sut.LoadLatestJsonAsync("cap", Ct);

        Assert.Equal(1, loaded!.Metadata.Sequence);
        Assert.Contains("more than the maximum state size (1024 bytes)", Assert.Single(loaded.Skipped).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_DeclaredExpansionAboveTheRatio_IsDamageBeforeDecoding()
    {
        var sut = _h.CreateVault(o => { o.PruneAfterSave = false; o.MaxExpansionRatio = 100; });
        await sut.SaveJsonAsync("ratio", "{\"good\":1}"u8.ToArray(), cancellationToken: Ct);
        var raw = Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', 1 << 20) + "\"}");
        WriteCrafted("ratio", 2, SnapshotCodecs.Gzip, Gzip(raw), raw.Length);

        var loaded = await sut.LoadLatestJsonAsync("ratio", Ct);

        Assert.Equal(1, loaded!.Metadata.Sequence);
        Assert.Contains("maximum ratio (100:1)", Assert.Single(loaded.Skipped).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_StateCompressingBeyondTheRatio_IsStoredAsPlainJsonAndLoadsBack()
    {
        var sut = _h.CreateVault(o => { o.MaxExpansionRatio = 10; o.Compression.Threshold = 0; o.Compression.CompressOnLocalStores = true; });
        var state = new JsonObject { ["a"] = new string('x', 100_000) };

        var saved = await sut.SaveAsync("flat", state, cancellationToken: Ct);
        var loaded = await sut.LoadLatestAsync<JsonObject>("flat", Ct);

        Assert.Equal(SnapshotCodecs.Identity, saved.Codec);
        Assert.Equal(100_000, loaded!.State["a"]!.GetValue<string>().Length);
    }
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LoadLatest_SnapshotLoadedBefore_ComesBackTheSameFromIdenticalBytes(bool compressed)
    {
        var sut = _h.CreateVault(o => { o.Compression.Threshold = 0; o.Compression.CompressOnLocalStores = compressed; });
        var state = new JsonObject { ["a"] = new string('y', 5_000), ["n"] = 7 };
        await sut.SaveAsync("again", state, options: new SaveOptions { Tags = ["t"] }, cancellationToken: Ct);

        var first = await sut.LoadLatestAsync<JsonObject>("again", Ct);
        var second = await sut.LoadLatestAsync<JsonObject>("again", Ct);

        Assert.Equal(compressed, first!.Metadata.Codec != SnapshotCodecs.Identity);
        Assert.Equal(first.State.ToJsonString(), second!.State.ToJsonString());
        Assert.Equal(state.ToJsonString(), second.State.ToJsonString());
        var none = new Dictionary<string, string>();
        Assert.Equal(first.Metadata with { Tags = [], Attributes = none }, second.Metadata with { Tags = [], Attributes = none });
        Assert.Equal(["t"], second.Metadata.Tags);
    }

    [Fact]
    public async Task LoadLatest_BitFlippedInASnapshotThisVaultAlreadyVerified_IsStillDamageAndFallsBack()
    {
        var sut = _h.CreateVault();
        await sut.SaveAsync("flip", new JsonObject { ["v"] = 1 }, cancellationToken: Ct);
        await sut.SaveAsync("flip", new JsonObject { ["v"] = 2 }, cancellationToken: Ct);
        Assert.Equal(2, (await sut.LoadLatestAsync<JsonObject>("flip", Ct))!.Metadata.Sequence);

        // Same length, one bit different: the bytes no longer match what the first load verified in full.
        _h.Corrupt("flip", 2);
        var loaded = await sut.LoadLatestAsync<JsonObject>("flip", Ct);

        Assert.Equal(1, loaded!.Metadata.Sequence);
        Assert.Equal(1, loaded.State["v"]!.GetValue<int>());
        Assert.True(loaded.FellBack);
        Assert.Contains("flip-0000000000000000002.svsnap", _h.QuarantinedFiles("flip"));
    }

    /// <summary>
    /// A load right after the save skips the payload's SHA-256 only for the very bytes the save built (same length, same
    /// fingerprint): one bit flipped in the stored file before that first load is still damage, and the load falls back.
    /// </summary>
    [Fact]
    public async Task LoadLatest_BitFlippedInASnapshotThisVaultWroteAndNeverLoaded_IsDamageAndFallsBack()
    {
        var sut = _h.CreateVault();
        await sut.SaveAsync("fresh", new JsonObject { ["v"] = 1 }, cancellationToken: Ct);
        await sut.SaveAsync("fresh", new JsonObject { ["v"] = 2 }, cancellationToken: Ct);

        _h.Corrupt("fresh", 2);
        var loaded = await sut.LoadLatestAsync<JsonObject>("fresh", Ct);

        Assert.Equal(1, loaded!.Metadata.Sequence);
        Assert.True(loaded.FellBack);
        Assert.Contains("fresh-0000000000000000002.svsnap", _h.QuarantinedFiles("fresh"));
    }

    /// <summary>The metadata of a load right after the save (header parsed from the bytes it wrote) is what a new vault reads.</summary>
    [Fact]
    public async Task LoadLatest_RightAfterItsOwnSave_ReturnsWhatANewVaultReads()
    {
        var sut = _h.CreateVault();
        await sut.SaveAsync("own", new JsonObject { ["v"] = 3 }, options: new SaveOptions { Tags = ["a", "b"], Attributes = new Dictionary<string, string> { ["k"] = "v" } }, cancellationToken: Ct);

        var same = await sut.LoadLatestAsync<JsonObject>("own", Ct);
        var fresh = await _h.CreateVault().LoadLatestAsync<JsonObject>("own", Ct);

        Assert.Equal(fresh!.State.ToJsonString(), same!.State.ToJsonString());
        Assert.Equal(fresh.Metadata.Sequence, same.Metadata.Sequence);
        Assert.Equal(fresh.Metadata.CreatedUtc, same.Metadata.CreatedUtc);
        Assert.Equal(fresh.Metadata.Sha256, same.Metadata.Sha256);
        Assert.Equal(fresh.Metadata.Tags, same.Metadata.Tags);
        Assert.Equal(fresh.Metadata.Attributes, same.Metadata.Attributes);
    }
}
