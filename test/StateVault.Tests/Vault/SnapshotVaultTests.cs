using System.Text;
using System.Text.Json.Nodes;
using StateVault.Codecs;
using StateVault.Retention;
using StateVault.Storage;
using StateVault.TestKit;
using StateVault.Tests.Support;

namespace StateVault.Tests.Vault;

public sealed class SnapshotVaultTests : IAsyncLifetime
{
    private readonly VaultHarness _h = new();

    private static CancellationToken Ct => VaultHarness.Ct;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    public sealed record Thresholds(string Unit, Dictionary<string, double> Warning, List<string> History);

    private static Thresholds Sample(int i) => new("percent", new() { ["cpu"] = 80 + i, ["memory"] = 90 }, [$"change {i}"]);

    private static async Task<byte[]> JsonOfAsync(SnapshotVault vault, string system, long sequence) =>
        (await vault.LoadJsonAsync(system, sequence, Ct))!.Json.ToArray();

    /// <summary>Counts the listings a vault asks its store for; reads the newest snapshot in one step, as the file store does.</summary>
    private sealed class ListingCounter(ISnapshotStoreWithLatestRead inner) : DelegatingSnapshotStore<ISnapshotStoreWithLatestRead>(inner, ownsInner: false), ISnapshotStoreWithLatestRead
    {
        private int _listings;

        public int Listings => Volatile.Read(ref _listings);

        public override IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _listings);
            return base.ListAsync(system, cancellationToken);
        }

        public Task<LatestSnapshot?> ReadLatestAsync(string system, CancellationToken cancellationToken) => Inner.ReadLatestAsync(system, cancellationToken);
    }

    /// <summary>
    /// A load reads the newest snapshot in one step where the store can, and lists only when that one does not open (damaged
    /// here): it then falls back, quarantines and reports exactly as before.
    /// </summary>
    [Fact]
    public async Task LoadLatest_ListsOnlyWhenTheNewestSnapshotDoesNotOpen()
    {
        var store = new ListingCounter((ISnapshotStoreWithLatestRead)_h.Store);
        var sut = _h.CreateVault(o => o.PruneAfterSave = false, store);
        for (var i = 1; i <= 3; i++)
        {
            await sut.SaveAsync("health_thresholds", Sample(i), cancellationToken: Ct);
        }

        var listings = store.Listings;
        var typed = await sut.LoadLatestAsync<Thresholds>("health_thresholds", Ct);
        var json = await sut.LoadLatestJsonAsync("health_thresholds", Ct);

        Assert.Equal(83, typed!.State.Warning["cpu"]);
        Assert.Equal((3L, 3L), (typed.Metadata.Sequence, json!.Metadata.Sequence));
        Assert.Empty(typed.Skipped);
        Assert.Equal(listings, store.Listings);

        _h.Corrupt("health_thresholds", 3);
        typed = await sut.LoadLatestAsync<Thresholds>("health_thresholds", Ct);

        Assert.Equal(82, typed!.State.Warning["cpu"]);
        Assert.Equal(2, typed.Metadata.Sequence);
        var skipped = Assert.Single(typed.Skipped);
        Assert.Equal(3, skipped.Sequence);
        Assert.True(skipped.Quarantined);
        Assert.Equal(listings + 1, store.Listings);
        Assert.Equal([1L, 2L], _h.StoredSequences("health_thresholds"));
    }

    /// <summary>
    /// The newest snapshot opens but does not deserialize as the type asked for: the load falls back to the previous one and
    /// reports the newest as skipped, having deserialized it once, not once in the one-step read and again in the fallback.
    /// </summary>
    [Fact]
    public async Task LoadLatest_NewestDoesNotDeserialize_FallsBackHavingTriedItOnce()
    {
        var sut = _h.CreateVault(o => o.PruneAfterSave = false);
        await sut.SaveJsonAsync("counted", """{"n":1}"""u8.ToArray(), cancellationToken: Ct);
        await sut.SaveJsonAsync("counted", """{"n":"two"}"""u8.ToArray(), cancellationToken: Ct);
        var reads = Volatile.Read(ref CountingConverter.Reads);

        var loaded = await sut.LoadLatestAsync<Counted>("counted", Ct);

        Assert.Equal(1, loaded!.State.N);
        Assert.Equal(1, loaded.Metadata.Sequence);
        var skipped = Assert.Single(loaded.Skipped);
        Assert.Equal(2, skipped.Sequence);
        Assert.Contains("could not be deserialized as Counted: n is not a number", skipped.Reason, StringComparison.Ordinal);
        Assert.False(skipped.Quarantined);
        Assert.Equal(reads + 2, Volatile.Read(ref CountingConverter.Reads));
    }

    /// <summary>A state read by <see cref="CountingConverter"/>, which counts its reads (used by one test only).</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(CountingConverter))]
    public sealed record Counted(int N);

    private sealed class CountingConverter : System.Text.Json.Serialization.JsonConverter<Counted>
    {
        public static int Reads;

        public override Counted Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
        {
            Interlocked.Increment(ref Reads);
            using var document = System.Text.Json.JsonDocument.ParseValue(ref reader);
            var n = document.RootElement.GetProperty("n");
            return n.ValueKind == System.Text.Json.JsonValueKind.Number ? new Counted(n.GetInt32()) : throw new System.Text.Json.JsonException("n is not a number");
        }

        public override void Write(System.Text.Json.Utf8JsonWriter writer, Counted value, System.Text.Json.JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteNumber("n", value.N);
            writer.WriteEndObject();
        }
    }

    [Fact]
    public async Task SaveAsync_TypedState_ReturnsMetadataAndLoadsBackEqual()
    {
        var sut = _h.CreateVault();

        var metadata = await sut.SaveAsync("health_thresholds", Sample(1), new SaveOptions { Tags = ["manual"] }, Ct);
        var loaded = await sut.LoadLatestAsync<Thresholds>("health_thresholds", Ct);

        Assert.Equal(1, metadata.Sequence);
        Assert.Equal("health_thresholds", metadata.System);
        Assert.Equal(_h.Clock.GetUtcNow(), metadata.CreatedUtc);
        Assert.Equal(SnapshotCodecs.Identity, metadata.Codec);
        Assert.Equal(nameof(Thresholds), metadata.StateType);
        Assert.Equal(1, metadata.SchemaVersion);
        Assert.Equal(64, metadata.Sha256.Length);
        Assert.Equal(metadata.StoredLength, metadata.RawLength);
        Assert.Equal("tests", metadata.Producer);
        Assert.NotNull(loaded);
        Assert.False(loaded.FellBack);
        Assert.Equal(
            (metadata.Sequence, metadata.CreatedUtc, metadata.Sha256, metadata.StoredLength, metadata.Codec, metadata.StateType),
            (loaded.Metadata.Sequence, loaded.Metadata.CreatedUtc, loaded.Metadata.Sha256, loaded.Metadata.StoredLength, loaded.Metadata.Codec, loaded.Metadata.StateType));
        Assert.Equal(["manual"], loaded.Metadata.Tags);
        Assert.Equal(81, loaded.State.Warning["cpu"]);
        Assert.Equal(["change 1"], loaded.State.History);
    }

    [Fact]
    public async Task SaveAsync_StateGrowsFarPastAndShrinksBelowItsLastSize_EachLoadsBackWhole()
    {
        // A save serializes into a buffer sized from the system's last state: one far larger must still grow it, and one far
        // smaller must not carry bytes of the last.
        var sut = _h.CreateVault(o => o.SecretPolicy = global::StateVault.Secrets.SecretPolicy.Off);
        foreach (var entries in new[] { 10, 40_000, 3, 120_000, 1 })
        {
            var state = Sample(entries) with { History = [.. Enumerable.Range(0, entries).Select(i => $"change {i}")] };

            await sut.SaveAsync("growing", state, cancellationToken: Ct);
            var loaded = await _h.CreateVault().LoadLatestAsync<Thresholds>("growing", Ct);

            Assert.Equal(state.History, loaded!.State.History);
            Assert.Equal(state.Warning, loaded.State.Warning);
        }
    }

    [Fact]
    public async Task SaveAsync_SmallState_IsStoredAsPlainSnakeCaseJson()
    {
        var sut = _h.CreateVault();

        await sut.SaveAsync("health_thresholds", Sample(1), cancellationToken: Ct);

        var text = await File.ReadAllTextAsync(_h.SnapshotPath("health_thresholds", 1), Ct);
        Assert.EndsWith("""{"unit":"percent","warning":{"cpu":81,"memory":90},"history":["change 1"]}""", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_StateAboveThresholdOnALocalStore_IsStoredUncompressedAndRoundTrips()
    {
        var sut = _h.CreateVault();
        var big = new JsonObject { ["items"] = new JsonArray([.. Enumerable.Range(0, 10_000).Select(i => (JsonNode)$"entry number {i}")]) };

        var metadata = await sut.SaveAsync("big", big, cancellationToken: Ct);
        var loaded = await sut.LoadLatestAsync<JsonObject>("big", Ct);

        // On a local disk, writing the plain bytes is faster than compressing them first.
        Assert.Equal(SnapshotCodecs.Identity, metadata.Codec);
        Assert.Equal(metadata.RawLength, metadata.StoredLength);
        Assert.True(JsonNode.DeepEquals(big, loaded!.State));
    }

    [Fact]
    public async Task SaveAsync_StateAboveThresholdOnALocalStoreWithCompressOnLocalStores_IsCompressed()
    {
        var sut = _h.CreateVault(o => o.Compression.CompressOnLocalStores = true);
        var big = new JsonObject { ["items"] = new JsonArray([.. Enumerable.Range(0, 10_000).Select(i => (JsonNode)$"entry number {i}")]) };

        var metadata = await sut.SaveAsync("big", big, cancellationToken: Ct);

        Assert.Equal(SnapshotCodecs.Zstd, metadata.Codec);
        Assert.True(metadata.StoredLength < metadata.RawLength / 2);
    }

    [Fact]
    public async Task SaveAsync_StateAboveThresholdOnAStoreWhereCompressionPays_IsCompressedAndRoundTrips()
    {
        var remote = new FlakyStore(_h.Store) { CapabilitiesOverride = new SnapshotStoreCapabilities() };
        var sut = _h.CreateVault(store: remote);
        var big = new JsonObject { ["items"] = new JsonArray([.. Enumerable.Range(0, 10_000).Select(i => (JsonNode)$"entry number {i}")]) };

        var metadata = await sut.SaveAsync("big", big, cancellationToken: Ct);
        var loaded = await sut.LoadLatestAsync<JsonObject>("big", Ct);

        Assert.Equal(SnapshotCodecs.Zstd, metadata.Codec);
        Assert.True(metadata.StoredLength < metadata.RawLength / 2);
        Assert.True(JsonNode.DeepEquals(big, loaded!.State));
    }

    [Fact]
    public async Task SaveAsync_Repeatedly_SequencesStrictlyIncreaseFromOne()
    {
        var sut = _h.CreateVault(o => o.Retention = RetentionPolicy.KeepAll);

        var sequences = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            sequences.Add((await sut.SaveAsync("s", Sample(i), cancellationToken: Ct)).Sequence);
        }

        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], sequences);
    }

    [Fact]
    public async Task SaveJsonAsync_InvalidJson_ThrowsArgumentAndWritesNothing()
    {
        var sut = _h.CreateVault();

        await Assert.ThrowsAsync<ArgumentException>(() => sut.SaveJsonAsync("s", "{\"a\":"u8.ToArray(), cancellationToken: Ct));

        Assert.Empty(_h.Folder.Files());
    }

    [Fact]
    public async Task LoadLatestAsync_NoSnapshot_ReturnsNull()
    {
        var sut = _h.CreateVault();

        Assert.Null(await sut.LoadLatestAsync<Thresholds>("nothing_here", Ct));
        Assert.Null(await sut.LoadLatestJsonAsync("nothing_here", Ct));
        Assert.Null(await sut.LoadJsonAsync("nothing_here", 1, Ct));
    }

    [Fact]
    public async Task LoadLatestAsync_NewestTwoCorrupt_FallsBackQuarantinesAndReports()
    {
        var sut = _h.CreateVault(o => o.Retention = RetentionPolicy.KeepAll);
        for (var i = 1; i <= 3; i++)
        {
            await sut.SaveAsync("s", Sample(i), cancellationToken: Ct);
        }

        _h.Corrupt("s", 3);
        File.WriteAllBytes(_h.SnapshotPath("s", 2), File.ReadAllBytes(_h.SnapshotPath("s", 2))[..40]);

        var loaded = await sut.LoadLatestAsync<Thresholds>("s", Ct);

        Assert.NotNull(loaded);
        Assert.Equal(1, loaded.Metadata.Sequence);
        Assert.Equal(81, loaded.State.Warning["cpu"]);
        Assert.True(loaded.FellBack);
        Assert.Equal([3L, 2L], loaded.Skipped.Select(s => s.Sequence));
        Assert.All(loaded.Skipped, s => Assert.True(s.Quarantined));
        Assert.Contains("checksum", loaded.Skipped[0].Reason, StringComparison.Ordinal);
        Assert.Equal([1L], _h.StoredSequences("s"));
        Assert.Contains("s-0000000000000000003.svsnap", _h.QuarantinedFiles("s"));
        Assert.Contains("s-0000000000000000003.svsnap.reason", _h.QuarantinedFiles("s"));
        Assert.Contains(_h.Logger.Entries, e => e.Id.Id == 1011 && e.Text.Contains("skipping newer snapshot(s) 3, 2", StringComparison.Ordinal));
        Assert.Equal(4, (await sut.SaveAsync("s", Sample(4), cancellationToken: Ct)).Sequence);
    }

    [Fact]
    public async Task LoadLatestAsync_AllCorrupt_ReturnsNullAndDeletesNothing()
    {
        var sut = _h.CreateVault();
        await sut.SaveAsync("s", Sample(1), cancellationToken: Ct);
        _h.Corrupt("s", 1);

        Assert.Null(await sut.LoadLatestAsync<Thresholds>("s", Ct));

        Assert.Equal(2, _h.QuarantinedFiles("s").Length);
    }

    [Fact]
    public async Task LoadLatestAsync_NewestNotDeserializableAsType_SkipsItWithoutQuarantine()
    {
        var sut = _h.CreateVault(o => o.Retention = RetentionPolicy.KeepAll);
        await sut.SaveAsync("s", Sample(1), cancellationToken: Ct);
        await sut.SaveJsonAsync("s", """{"unit":["not","a","string"]}"""u8.ToArray(), cancellationToken: Ct);

        var loaded = await sut.LoadLatestAsync<Thresholds>("s", Ct);

        Assert.Equal(1, loaded!.Metadata.Sequence);
        var skipped = Assert.Single(loaded.Skipped);
        Assert.False(skipped.Quarantined);
        Assert.Equal([1L, 2L], _h.StoredSequences("s"));
    }

    [Fact]
    public async Task LoadJsonAsync_CorruptSnapshot_ThrowsCorruptedNamingItAndDoesNotQuarantine()
    {
        var sut = _h.CreateVault();
        await sut.SaveAsync("s", Sample(1), cancellationToken: Ct);
        _h.Corrupt("s", 1);

        var ex = await Assert.ThrowsAsync<SnapshotCorruptedException>(() => sut.LoadJsonAsync("s", 1, Ct));

        Assert.Equal("s", ex.System);
        Assert.Equal(1, ex.Sequence);
        Assert.Equal([1L], _h.StoredSequences("s"));
    }

    [Fact]
    public async Task SaveAsync_ExpectedSequenceMatches_Succeeds()
    {
        var sut = _h.CreateVault();

        var first = await sut.SaveAsync("s", Sample(1), new SaveOptions { ExpectedLatestSequence = 0 }, Ct);
        var second = await sut.SaveAsync("s", Sample(2), new SaveOptions { ExpectedLatestSequence = 1 }, Ct);

        Assert.Equal(1, first.Sequence);
        Assert.Equal(2, second.Sequence);
    }

    [Fact]
    public async Task SaveAsync_ExpectedSequenceStale_ThrowsConflictWithBothSequencesAndWritesNothing()
    {
        var sut = _h.CreateVault();
        await sut.SaveAsync("s", Sample(1), cancellationToken: Ct);
        await sut.SaveAsync("s", Sample(2), cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => sut.SaveAsync("s", Sample(3), new SaveOptions { ExpectedLatestSequence = 1 }, Ct));

        Assert.Equal("s", ex.System);
        Assert.Equal(1, ex.ExpectedSequence);
        Assert.Equal(2, ex.ActualSequence);
        Assert.Equal([1L, 2L], _h.StoredSequences("s"));
        Assert.Equal(82, (await sut.LoadLatestAsync<Thresholds>("s", Ct))!.State.Warning["cpu"]);
    }

    [Fact]
    public async Task DeleteAsync_Newest_SequenceNeverReusedEvenByANewStoreInstance()
    {
        var sut = _h.CreateVault();
        await sut.SaveAsync("s", Sample(1), cancellationToken: Ct);
        await sut.SaveAsync("s", Sample(2), cancellationToken: Ct);

        Assert.True(await sut.DeleteAsync("s", 2, Ct));
        Assert.False(await sut.DeleteAsync("s", 2, Ct));
        Assert.True(await sut.DeleteAsync("s", 1, Ct));
        await using var reopened = StateVault.Storage.FileSnapshotStoreProvider.Create(_h.Folder.Path);
        var other = _h.CreateVault(store: reopened);

        Assert.Equal(2, await other.GetLatestSequenceAsync("s", Ct));
        Assert.Equal(3, (await other.SaveAsync("s", Sample(3), cancellationToken: Ct)).Sequence);
    }

    [Fact]
    public async Task SaveAsync_AfterQuarantineOfNewestAndEmptiedQuarantine_DoesNotReuseItsSequence()
    {
        var sut = _h.CreateVault();
        await sut.SaveAsync("s", Sample(1), cancellationToken: Ct);
        await sut.SaveAsync("s", Sample(2), cancellationToken: Ct);
        _h.Corrupt("s", 2);
        await sut.LoadLatestAsync<Thresholds>("s", Ct);
        Directory.Delete(Path.Combine(_h.SystemFolder("s"), ".quarantine"), recursive: true);

        var next = await sut.SaveAsync("s", Sample(3), cancellationToken: Ct);

        Assert.Equal(3, next.Sequence);
    }

    [Fact]
    public async Task RestoreAsync_OlderSnapshot_BecomesNewestCopyAndHistoryIsKept()
    {
        var sut = _h.CreateVault(o => o.Retention = RetentionPolicy.KeepAll);
        await sut.SaveAsync("s", Sample(1), new SaveOptions { Tags = ["release"] }, Ct);
        await sut.SaveAsync("s", Sample(2), cancellationToken: Ct);
        await sut.SaveAsync("s", Sample(3), cancellationToken: Ct);
        _h.Clock.Advance(TimeSpan.FromMinutes(5));

        var restored = await sut.RestoreAsync("s", 1, new SaveOptions { Attributes = new Dictionary<string, string> { ["by"] = "operator" } }, Ct);

        Assert.NotNull(restored);
        Assert.Equal(4, restored.Sequence);
        Assert.Equal("1", restored.Attributes["restored_from"]);
        Assert.Equal("operator", restored.Attributes["by"]);
        Assert.Equal(["release"], restored.Tags);
        Assert.Equal(_h.Clock.GetUtcNow(), restored.CreatedUtc);
        Assert.Equal([1L, 2L, 3L, 4L], _h.StoredSequences("s"));
        Assert.Equal(await JsonOfAsync(sut, "s", 1), await JsonOfAsync(sut, "s", 4));
        Assert.Equal(81, (await sut.LoadLatestAsync<Thresholds>("s", Ct))!.State.Warning["cpu"]);
    }

    [Fact]
    public async Task RestoreAsync_MissingSequence_ReturnsNullAndWritesNothing()
    {
        var sut = _h.CreateVault();
        await sut.SaveAsync("s", Sample(1), cancellationToken: Ct);

        Assert.Null(await sut.RestoreAsync("s", 9, cancellationToken: Ct));
        Assert.Equal([1L], _h.StoredSequences("s"));
    }

    [Fact]
    public async Task RestoreAsync_CorruptSnapshot_ThrowsAndWritesNothing()
    {
        var sut = _h.CreateVault(o => o.Retention = RetentionPolicy.KeepAll);
        await sut.SaveAsync("s", Sample(1), cancellationToken: Ct);
        await sut.SaveAsync("s", Sample(2), cancellationToken: Ct);
        _h.Corrupt("s", 1);

        await Assert.ThrowsAsync<SnapshotCorruptedException>(() => sut.RestoreAsync("s", 1, cancellationToken: Ct));

        Assert.Equal([1L, 2L], _h.StoredSequences("s"));
    }

    [Fact]
    public async Task DiffAsync_TwoSnapshots_ListsChangedAddedAndRemovedPathsWithValues()
    {
        var sut = _h.CreateVault(o => o.Retention = RetentionPolicy.KeepAll);
        await sut.SaveJsonAsync("s", """{"cpu":{"warning":80,"critical":95},"tags":["a","b"],"old":true,"odd key":1}"""u8.ToArray(), cancellationToken: Ct);
        await sut.SaveJsonAsync("s", """{"cpu":{"warning":85,"critical":95},"tags":["a"],"new":{"x":null},"odd key":2}"""u8.ToArray(), cancellationToken: Ct);

        var diff = await sut.DiffAsync("s", 1, 2, Ct);

        Assert.NotNull(diff);
        var changes = diff.Changes.ToDictionary(c => c.Path);
        Assert.Equal(5, changes.Count);
        Assert.Equal("changed", changes["$.cpu.warning"].Kind);
        Assert.Equal(80, changes["$.cpu.warning"].OldValue!.GetValue<int>());
        Assert.Equal(85, changes["$.cpu.warning"].NewValue!.GetValue<int>());
        Assert.Equal("removed", changes["$.tags[1]"].Kind);
        Assert.Equal("b", changes["$.tags[1]"].OldValue!.GetValue<string>());
        Assert.Equal("removed", changes["$.old"].Kind);
        Assert.Equal("added", changes["$.new"].Kind);
        Assert.Equal("changed", changes["$['odd key']"].Kind);
        Assert.Empty((await sut.DiffAsync("s", 1, 1, Ct))!.Changes);
        Assert.Null(await sut.DiffAsync("s", 1, 7, Ct));
    }

    [Fact]
    public async Task VerifyAsync_OneDamaged_ReportsItAndChangesNothing()
    {
        var sut = _h.CreateVault(o => o.Retention = RetentionPolicy.KeepAll);
        for (var i = 1; i <= 3; i++)
        {
            await sut.SaveAsync("a", Sample(i), cancellationToken: Ct);
        }

        await sut.SaveAsync("b", Sample(9), cancellationToken: Ct);
        _h.Corrupt("a", 2);
        var before = _h.Folder.Files();
        var progress = new List<int>();

        var report = await sut.VerifyAsync(progress: new SyncProgress(progress), cancellationToken: Ct);

        Assert.False(report.IsHealthy);
        Assert.Equal(4, report.Snapshots.Count);
        var damaged = Assert.Single(report.Damaged);
        Assert.Equal(("a", 2L), (damaged.System, damaged.Sequence));
        Assert.Null(damaged.Metadata);
        Assert.Contains("checksum", damaged.Error, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3, 4], progress);
        Assert.Equal(before, _h.Folder.Files());
        Assert.True((await sut.VerifyAsync("b", cancellationToken: Ct)).IsHealthy);
        Assert.Equal(4, await sut.CountSnapshotsAsync(cancellationToken: Ct));
    }

    [Fact]
    public async Task ListAsync_And_ListSystemsAsync_DescribeWhatIsStored()
    {
        var sut = _h.CreateVault(o => o.Retention = RetentionPolicy.KeepAll);
        await sut.SaveAsync("b", Sample(1), cancellationToken: Ct);
        _h.Clock.Advance(TimeSpan.FromHours(1));
        await sut.SaveAsync("b", Sample(2), cancellationToken: Ct);
        await sut.SaveAsync("a", Sample(3), cancellationToken: Ct);
        _h.Corrupt("b", 1);
        // A vault reuses its own earlier verification for listings (snapshots are immutable); a new process does not.
        var fresh = _h.CreateVault();

        var listing = await fresh.ListAsync("b", Ct);
        var systems = await fresh.ListSystemsAsync(Ct);

        Assert.Equal([2L, 1L], listing.Select(l => l.Sequence));
        Assert.True(listing[0].IsValid);
        Assert.False(listing[1].IsValid);
        Assert.Equal(["a", "b"], systems.Select(s => s.Name));
        var b = systems[1];
        Assert.Equal(2, b.LatestSequence);
        Assert.Equal(2, b.Count);
        Assert.Equal(1, b.Damaged);
        Assert.Equal(_h.Clock.GetUtcNow(), b.LastSavedUtc);
        Assert.Equal(listing.Sum(l => l.StoredBytes), b.Bytes);
    }

    [Fact]
    public async Task SaveAsync_LeftoverTempFileFromACrash_IsIgnoredOnReadAndCleanedOnNextAppend()
    {
        var sut = _h.CreateVault();
        await sut.SaveAsync("s", Sample(1), cancellationToken: Ct);
        var leftover = Path.Combine(_h.SystemFolder("s"), ".tmp-s-0000000000000000002.svsnap-0123456789abcdef");
        await File.WriteAllBytesAsync(leftover, Encoding.UTF8.GetBytes("SVSNAP/1 torn"), Ct);

        var loaded = await sut.LoadLatestAsync<Thresholds>("s", Ct);
        Assert.Equal(1, loaded!.Metadata.Sequence);
        Assert.Single(await sut.ListAsync("s", Ct));
        Assert.True((await sut.VerifyAsync("s", cancellationToken: Ct)).IsHealthy);

        var next = await sut.SaveAsync("s", Sample(2), cancellationToken: Ct);

        Assert.Equal(2, next.Sequence);
        Assert.False(File.Exists(leftover));
    }

    [Fact]
    public async Task SaveAsync_ObjectTypedState_RecordsRuntimeTypeName()
    {
        var sut = _h.CreateVault();
        object state = Sample(1);

        var metadata = await sut.SaveAsync("s", state, cancellationToken: Ct);

        Assert.Equal(nameof(Thresholds), metadata.StateType);
    }

    private sealed class SyncProgress(List<int> values) : IProgress<int>
    {
        public void Report(int value) => values.Add(value);
    }
}
