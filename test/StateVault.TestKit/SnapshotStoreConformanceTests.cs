using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using StateVault.Envelope;
using StateVault.Retention;
using StateVault.Storage;
using Xunit;

namespace StateVault.TestKit;

/// <summary>
/// The behaviour every <see cref="ISnapshotStore"/> must have. A store's test class derives from this and supplies a
/// fresh, empty store and a way to damage stored bytes; every fact here then runs against that store.
/// </summary>
public abstract partial class SnapshotStoreConformanceTests : IAsyncLifetime
{
    private ISnapshotStore? _sut;

    /// <summary>The store under test (fresh and empty for each test).</summary>
    protected ISnapshotStore Sut => _sut ?? throw new InvalidOperationException("The store is not created yet.");

    /// <summary>Creates a fresh, empty store. Call <see cref="Backend.Unavailable"/> when its server is missing.</summary>
    protected abstract Task<ISnapshotStore> CreateStoreAsync();

    /// <summary>Replaces the stored bytes of one snapshot with <paramref name="tamper"/>(bytes), bypassing the store's API (simulates disk or bucket damage).</summary>
    protected abstract Task TamperAsync(string system, long sequence, Func<byte[], byte[]> tamper);

    /// <summary>Creates a second store instance over the same backend, as another process would (for cross-instance concurrency).</summary>
    protected virtual Task<ISnapshotStore?> CreateSecondInstanceAsync() => Task.FromResult<ISnapshotStore?>(null);

    /// <summary>Test systems are prefixed so parallel test classes sharing a backend stay apart.</summary>
    protected virtual string SystemPrefix => "t" + Guid.NewGuid().ToString("N")[..8];

    private string? _prefix;

    /// <summary>A system name unique to this test.</summary>
    protected string Sys(string name) => $"{_prefix ??= SystemPrefix}_{name}";

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => _sut = await CreateStoreAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public virtual async ValueTask DisposeAsync()
    {
        if (_sut is not null)
        {
            await _sut.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<long> AppendAsync(string system, string json, long? expected = null) =>
        Sut.AppendAsync(system, expected, seq => TestEnvelopes.Create(system, seq, json), Ct);

    private async Task<List<StoredSnapshotRef>> ListAsync(string system)
    {
        var list = new List<StoredSnapshotRef>();
        await foreach (var item in Sut.ListAsync(system, Ct))
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>Stored bytes come back unchanged.</summary>
    [Fact]
    public virtual async Task Append_ThenRead_ReturnsTheSameBytes()
    {
        var system = Sys("roundtrip");
        var envelope = TestEnvelopes.Create(system, 1, """{"a":1,"b":"two"}""");
        var sequence = await Sut.AppendAsync(system, null, seq => TestEnvelopes.Create(system, seq, """{"a":1,"b":"two"}"""), Ct);

        var bytes = await Sut.ReadAsync(system, sequence, Ct);

        Assert.Equal(1, sequence);
        Assert.Equal(envelope.ToArray(), bytes);
    }

    /// <summary>Sequences start at 1 and increase by one.</summary>
    [Fact]
    public virtual async Task Append_Repeatedly_AllocatesSequencesFromOneInOrder()
    {
        var system = Sys("seq");
        var sequences = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            sequences.Add(await AppendAsync(system, $$"""{"i":{{i}}}"""));
        }

        Assert.Equal([1, 2, 3, 4, 5], sequences);
        Assert.Equal(5, await Sut.GetLatestSequenceAsync(system, Ct));
    }

    /// <summary>Listing is ascending by sequence and reports the stored length.</summary>
    [Fact]
    public virtual async Task List_AfterAppends_IsAscendingWithLengths()
    {
        var system = Sys("list");
        for (var i = 0; i < 12; i++)
        {
            await AppendAsync(system, new string('x', i * 10).Insert(0, "\"") + "\"");
        }

        var list = await ListAsync(system);

        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), list.Select(r => r.Sequence));
        foreach (var item in list)
        {
            var bytes = await Sut.ReadAsync(system, item.Sequence, Ct);
            Assert.Equal(bytes!.LongLength, item.Length);
        }
    }

    /// <summary>An unknown system or sequence is not an error.</summary>
    [Fact]
    public virtual async Task Read_Missing_ReturnsNullAndEmptyListings()
    {
        var system = Sys("missing");
        Assert.Null(await Sut.ReadAsync(system, 1, Ct));
        Assert.Empty(await ListAsync(system));
        Assert.Equal(0, await Sut.GetLatestSequenceAsync(system, Ct));
        Assert.False(await Sut.DeleteAsync(system, 1, Ct));
    }

    /// <summary>
    /// The newest snapshot (read in one step where the store has a shortcut: <see cref="ISnapshotStoreWithLatestRead"/>) is the
    /// newest one listed, with the bytes a read gives: none for an unknown system, never another system's, the one before once
    /// the newest is deleted, and a large envelope (past the size a database store reads in its finding statement) whole.
    /// </summary>
    [Fact]
    public virtual async Task ReadNewest_IsTheNewestListedSnapshot_WithTheBytesAReadGives()
    {
        var system = Sys("newest");
        var other = Sys("newest_other");
        Assert.Null(await Sut.ReadNewestAsync(system, Ct));
        for (var i = 0; i < 3; i++)
        {
            await AppendAsync(system, $$"""{"i":{{i}}}""");
        }

        // Another system with more and newer snapshots, whose name begins with this one's.
        for (var i = 0; i < 5; i++)
        {
            await AppendAsync(other, $$"""{"other":{{i}}}""");
        }

        await AssertNewestAsync(3);
        Assert.True(await Sut.DeleteAsync(system, 3, Ct));
        await AssertNewestAsync(2);

        var random = new byte[768 * 1024];
        new Random(7).NextBytes(random);
        await AppendAsync(system, "\"" + Convert.ToHexStringLower(random) + "\"");
        await AssertNewestAsync(4);
        Assert.Equal(5, (await Sut.ReadNewestAsync(other, Ct))?.Sequence);

        async Task AssertNewestAsync(long expected)
        {
            var newest = await Sut.ReadNewestAsync(system, Ct);
            Assert.Equal(expected, newest?.Sequence);
            Assert.Equal(expected, (await ListAsync(system)).Max(r => r.Sequence));
            Assert.Equal(await Sut.ReadAsync(system, expected, Ct), newest!.Value.Envelope);
        }
    }

    /// <summary>A conditional append on a stale sequence fails with expected and actual, and writes nothing.</summary>
    [Fact]
    public virtual async Task Append_WithStaleExpectedSequence_ThrowsConcurrencyAndWritesNothing()
    {
        var system = Sys("cas");
        Assert.Equal(1, await AppendAsync(system, "1", expected: 0));
        Assert.Equal(2, await AppendAsync(system, "2", expected: 1));

        var ex = await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => AppendAsync(system, "3", expected: 1));

        Assert.Equal(1, ex.ExpectedSequence);
        Assert.Equal(2, ex.ActualSequence);
        Assert.Equal(2, (await ListAsync(system)).Count);
    }

    /// <summary>
    /// The envelope cannot be made (the engine's own failure, after the store allocated a number): the append fails, nothing
    /// is stored, and the store takes the next append as if it had not happened.
    /// </summary>
    [Fact]
    public virtual async Task Append_EnvelopeFactoryThrows_WritesNothingAndTheNextAppendTakesTheSameNumber()
    {
        var system = Sys("nofactory");
        Assert.Equal(1, await AppendAsync(system, "1"));

        await Assert.ThrowsAnyAsync<Exception>(() => Sut.AppendAsync(system, null, _ => throw new InvalidOperationException("no envelope"), Ct));

        Assert.Equal(2, await AppendAsync(system, "2"));
        Assert.Equal([1L, 2L], (await ListAsync(system)).Select(r => r.Sequence));
    }

    /// <summary>Many concurrent appenders: every append gets its own sequence and none is lost.</summary>
    [Fact]
    public virtual async Task Append_ConcurrentlyFromManyTasks_NoDuplicateAndNoLoss()
    {
        var system = Sys("concurrent");
        const int Tasks = 8;
        const int PerTask = 10;
        var acknowledged = new ConcurrentBag<(long Sequence, string Json)>();
        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < PerTask; i++)
            {
                var json = $$"""{"task":{{t}},"i":{{i}}}""";
                acknowledged.Add((await AppendAsync(system, json), json));
            }
        }, Ct)));

        Assert.Equal(Tasks * PerTask, acknowledged.Select(a => a.Sequence).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, Tasks * PerTask).Select(i => (long)i), (await ListAsync(system)).Select(r => r.Sequence));
        foreach (var (sequence, json) in acknowledged)
        {
            var (_, payload) = SnapshotEnvelope.Decode(await Sut.ReadAsync(system, sequence, Ct));
            Assert.Equal(json, Encoding.UTF8.GetString(payload.Span));
        }
    }

    /// <summary>Concurrent conditional appends on the same expected sequence: exactly one wins.</summary>
    [Fact]
    public virtual async Task Append_ConcurrentConditionalOnSameSequence_ExactlyOneWins()
    {
        var system = Sys("race");
        await AppendAsync(system, "0");
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                await AppendAsync(system, i.ToString(System.Globalization.CultureInfo.InvariantCulture), expected: 1);
                return true;
            }
            catch (SnapshotConcurrencyException)
            {
                return false;
            }
        }, Ct)));

        Assert.Single(outcomes, won => won);
        Assert.Equal(2, await Sut.GetLatestSequenceAsync(system, Ct));
    }

    /// <summary>A second instance over the same backend (another process) shares sequence allocation.</summary>
    [Fact]
    public virtual async Task Append_FromTwoStoreInstances_NoDuplicateSequences()
    {
        await using var second = await CreateSecondInstanceAsync();
        if (second is null)
        {
            Assert.False(Sut.Capabilities.SupportsMultipleProcesses, "A store that claims SupportsMultipleProcesses must supply a second instance.");
            return;
        }

        var system = Sys("two");
        var results = await Task.WhenAll(
            Task.Run(async () => { var l = new List<long>(); for (var i = 0; i < 20; i++) { l.Add(await Sut.AppendAsync(system, null, s => TestEnvelopes.Create(system, s, "1"), Ct)); } return l; }, Ct),
            Task.Run(async () => { var l = new List<long>(); for (var i = 0; i < 20; i++) { l.Add(await second.AppendAsync(system, null, s => TestEnvelopes.Create(system, s, "2"), Ct)); } return l; }, Ct));

        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(40, all.Distinct().Count());
        Assert.Equal(40, (await ListAsync(system)).Count);
    }

    /// <summary>Deleting the newest snapshot never lets its sequence be reused.</summary>
    [Fact]
    public virtual async Task Delete_Newest_SequenceIsNeverReused()
    {
        var system = Sys("delete");
        await AppendAsync(system, "1");
        await AppendAsync(system, "2");

        Assert.True(await Sut.DeleteAsync(system, 2, Ct));
        Assert.Null(await Sut.ReadAsync(system, 2, Ct));
        Assert.False(await Sut.DeleteAsync(system, 2, Ct));
        Assert.Equal(3, await AppendAsync(system, "3"));
        Assert.Equal([1L, 3L], (await ListAsync(system)).Select(r => r.Sequence));
    }

    /// <summary>Quarantine hides a snapshot from the listing, keeps its number reserved, and does not destroy it.</summary>
    [Fact]
    public virtual async Task Quarantine_RemovesFromListingAndKeepsSequenceReserved()
    {
        var system = Sys("quarantine");
        await AppendAsync(system, "1");
        await AppendAsync(system, "2");
        if (!Sut.Capabilities.SupportsQuarantine)
        {
            await Assert.ThrowsAsync<NotSupportedException>(() => Sut.QuarantineAsync(system, 2, "test", Ct));
            return;
        }

        Assert.True(await Sut.QuarantineAsync(system, 2, "test", Ct));

        Assert.Equal([1L], (await ListAsync(system)).Select(r => r.Sequence));
        Assert.Equal(3, await AppendAsync(system, "3"));
    }

    /// <summary>Systems are listed in ordinal order and do not see each other's snapshots.</summary>
    [Fact]
    public virtual async Task ListSystems_ReturnsEverySystemOnceInOrder()
    {
        var b = Sys("b_sys");
        var a = Sys("a_sys");
        await AppendAsync(b, "1");
        await AppendAsync(a, "1");
        await AppendAsync(a, "2");

        var systems = new List<string>();
        await foreach (var name in Sut.ListSystemsAsync(Ct))
        {
            systems.Add(name);
        }

        var mine = systems.Where(s => s == a || s == b).ToList();
        Assert.Equal([a, b], mine);
        Assert.Single(await ListAsync(b));
    }

    /// <summary>Import writes at an exact sequence; allocation continues after it; importing again is a no-op.</summary>
    [Fact]
    public virtual async Task Import_AtExactSequence_IsIdempotentAndAllocationContinuesAfter()
    {
        var system = Sys("import");
        var envelope = TestEnvelopes.Create(system, 7, "7");

        Assert.True(await Sut.ImportAsync(system, 7, envelope, Ct));
        Assert.False(await Sut.ImportAsync(system, 7, envelope, Ct));

        Assert.Equal(envelope.ToArray(), await Sut.ReadAsync(system, 7, Ct));
        Assert.Equal(8, await AppendAsync(system, "8"));
    }

    /// <summary>
    /// Import refuses a sequence outside <see cref="SnapshotSequence.MinValue"/>..<see cref="SnapshotSequence.MaxValue"/> before
    /// writing (a number past the bound would leave the system unable to append, or wrap); allocation is unaffected.
    /// </summary>
    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(SnapshotSequence.MaxValue + 1)]
    [InlineData(long.MaxValue)]
    public virtual async Task Import_SequenceOutOfRange_ThrowsAndWritesNothing(long sequence)
    {
        var system = Sys("importrange");

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Sut.ImportAsync(system, sequence, TestEnvelopes.Create(system, 1, "1"), Ct));

        Assert.Empty(await ListAsync(system));
        Assert.Equal(1, await AppendAsync(system, "1"));
    }

    /// <summary>An invalid system name is rejected before anything is written.</summary>
    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("/abs")]
    [InlineData("")]
    [InlineData("UPPER")]
    public virtual async Task Append_InvalidSystemName_ThrowsAndWritesNothing(string name)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Sut.AppendAsync(name, null, seq => TestEnvelopes.Create("x", seq, "1"), Ct));
        await foreach (var system in Sut.ListSystemsAsync(Ct))
        {
            Assert.True(SystemName.IsValid(system));
        }
    }

    /// <summary>A damaged payload is detected; the vault falls back to the previous snapshot and quarantines the damaged one.</summary>
    [Fact]
    public virtual async Task Vault_CorruptPayloadOfNewest_FallsBackToPrevious()
    {
        var system = Sys("corrupt_payload");
        await using var vault = new SnapshotVault(Sut, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll });
        await vault.SaveJsonAsync(system, """{"v":1}"""u8.ToArray(), cancellationToken: Ct);
        await vault.SaveJsonAsync(system, """{"v":2}"""u8.ToArray(), cancellationToken: Ct);
        await TamperAsync(system, 2, bytes => { bytes[^2] ^= 0x01; return bytes; });

        var loaded = await vault.LoadLatestJsonAsync(system, Ct);

        Assert.NotNull(loaded);
        Assert.Equal(1, loaded.Metadata.Sequence);
        Assert.Equal("""{"v":1}""", Encoding.UTF8.GetString(loaded.Json.Span));
        var skipped = Assert.Single(loaded.Skipped);
        Assert.Equal(2, skipped.Sequence);
        Assert.Equal(Sut.Capabilities.SupportsQuarantine, skipped.Quarantined);
    }

    /// <summary>A damaged header is detected before the payload is trusted.</summary>
    [Fact]
    public virtual async Task Vault_CorruptHeader_IsReportedByVerify()
    {
        var system = Sys("corrupt_header");
        await using var vault = new SnapshotVault(Sut, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll });
        await vault.SaveJsonAsync(system, """{"v":1}"""u8.ToArray(), cancellationToken: Ct);
        await TamperAsync(system, 1, bytes =>
        {
            var headerStart = Array.IndexOf(bytes, (byte)'\n') + 1;
            bytes[headerStart + 3] ^= 0x20;
            return bytes;
        });

        var report = await vault.VerifyAsync(system, cancellationToken: Ct);

        var damaged = Assert.Single(report.Damaged);
        Assert.Contains("header", damaged.Error, StringComparison.Ordinal);
    }

    /// <summary>A truncated snapshot is detected.</summary>
    [Fact]
    public virtual async Task Vault_TruncatedSnapshot_IsDetected()
    {
        var system = Sys("truncated");
        await using var vault = new SnapshotVault(Sut, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll });
        await vault.SaveJsonAsync(system, """{"v":"some longer value"}"""u8.ToArray(), cancellationToken: Ct);
        await TamperAsync(system, 1, bytes => bytes[..^5]);

        Assert.Null(await vault.LoadLatestJsonAsync(system, Ct));
    }

    /// <summary>A payload of 64 MiB round-trips through the vault (zstd) and raw through the store.</summary>
    [Fact]
    public virtual async Task Append_LargePayload64MiB_RoundTrips()
    {
        var system = Sys("large");
        // A JSON state (one string of 64 MiB of random hex: incompressible, and no secret format can occur in it), since the
        // server behind the http:// store checks that an uploaded payload is a state.
        var random = new byte[32 * 1024 * 1024];
        new Random(42).NextBytes(random);
        var payload = System.Text.Encoding.ASCII.GetBytes("\"" + Convert.ToHexStringLower(random) + "\"");
        if (!Sut.Capabilities.SupportsLargePayloads)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => Sut.AppendAsync(system, null, seq => TestEnvelopes.Create(system, seq, payload), Ct));
            return;
        }

        var sequence = await Sut.AppendAsync(system, null, seq => TestEnvelopes.Create(system, seq, payload), Ct);
        var read = await Sut.ReadAsync(system, sequence, Ct);

        var (_, stored) = SnapshotEnvelope.Decode(read!);
        Assert.True(stored.Span.SequenceEqual(payload));
    }

    /// <summary>Empty state and unicode survive the whole engine path.</summary>
    [Fact]
    public virtual async Task Vault_EmptyAndUnicodeState_RoundTrip()
    {
        await using var vault = new SnapshotVault(Sut);
        var empty = Sys("empty");
        var unicode = Sys("unicode");
        await vault.SaveJsonAsync(empty, "{}"u8.ToArray(), cancellationToken: Ct);
        await vault.SaveAsync(unicode, new Dictionary<string, string> { ["名前"] = "Zoë 🚀 ½ \u0000 \u2028", ["rtl"] = "שלום" }, cancellationToken: Ct);

        var loadedEmpty = await vault.LoadLatestJsonAsync(empty, Ct);
        var loadedUnicode = await vault.LoadLatestAsync<Dictionary<string, string>>(unicode, Ct);

        Assert.Equal("{}", Encoding.UTF8.GetString(loadedEmpty!.Json.Span));
        Assert.Equal("Zoë 🚀 ½ \u0000 \u2028", loadedUnicode!.State["名前"]);
        Assert.Equal("שלום", loadedUnicode.State["rtl"]);
    }

    /// <summary>Retention through the vault keeps the newest five by default.</summary>
    [Fact]
    public virtual async Task Vault_DefaultRetention_KeepsNewestFive()
    {
        var system = Sys("retention");
        await using var vault = new SnapshotVault(Sut);
        for (var i = 1; i <= 8; i++)
        {
            await vault.SaveAsync(system, new JsonObject { ["i"] = i }, cancellationToken: Ct);
        }

        Assert.Equal([4L, 5L, 6L, 7L, 8L], (await ListAsync(system)).Select(r => r.Sequence));
    }

    /// <summary>
    /// A snapshot deleted after it was listed reads as missing (never an error), and every vault path that lists then reads
    /// skips it and goes on to the next older one.
    /// </summary>
    [Fact]
    public virtual async Task Vault_SnapshotDeletedBetweenListingAndReading_IsSkipped()
    {
        var system = Sys("vanish");
        var seam = new DeleteAfterListingStore(Sut);
        await using var vault = new SnapshotVault(seam, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll });
        for (var i = 1; i <= 5; i++)
        {
            await vault.SaveJsonAsync(system, Encoding.UTF8.GetBytes($$"""{"v":{{i}}}"""), cancellationToken: Ct);
        }

        var listed = await ListAsync(system);
        Assert.True(await Sut.DeleteAsync(system, 5, Ct));
        Assert.Null(await Sut.ReadAsync(system, 5, Ct));
        Assert.Contains(listed, r => r.Sequence == 5);

        // A fresh vault (no cached headers) for each path, so every one of them really reads the store.
        seam.DeleteAfterNextListing(system, 4);
        var latestJson = await ReadWithFreshVaultAsync(seam, v => v.LoadLatestJsonAsync(system, Ct));
        seam.DeleteAfterNextListing(system, 3);
        var latest = await ReadWithFreshVaultAsync(seam, v => v.LoadLatestAsync<JsonObject>(system, Ct));
        seam.DeleteAfterNextListing(system, 2);
        var listing = await ReadWithFreshVaultAsync(seam, v => v.ListAsync(system, Ct));
        seam.DeleteAfterNextListing(system, 1);
        var report = await ReadWithFreshVaultAsync(seam, v => v.VerifyAsync(system, cancellationToken: Ct));

        Assert.Equal(3, latestJson!.Metadata.Sequence);
        Assert.Empty(latestJson.Skipped);
        Assert.Equal(2, latest!.Metadata.Sequence);
        Assert.Equal(2, latest.State["v"]!.GetValue<int>());
        Assert.Equal([1L], listing.Select(l => l.Sequence));
        Assert.Empty(report.Damaged);
        Assert.Empty(await ListAsync(system));
    }

    /// <summary>
    /// The reply of an append is lost after the store committed it: the vault's retry finds its own write (by the writer token
    /// in the header) instead of appending a duplicate or reporting a conflict with itself.
    /// </summary>
    [Fact]
    public virtual async Task Vault_AppendReplyLostAfterCommit_AcknowledgesTheStoredSnapshotOnce()
    {
        var system = Sys("lost_reply");
        var seam = new LostReplyStore(Sut);
        await using var vault = new SnapshotVault(seam, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll, RetryBaseDelay = TimeSpan.Zero });

        seam.LoseReplies = 1;
        var first = await vault.SaveJsonAsync(system, """{"v":1}"""u8.ToArray(), cancellationToken: Ct);
        seam.LoseReplies = 1;
        var second = await vault.SaveJsonAsync(system, """{"v":2}"""u8.ToArray(), new SaveOptions { ExpectedLatestSequence = 1 }, Ct);

        Assert.Equal(1, first.Sequence);
        Assert.Equal(2, second.Sequence);
        Assert.Equal(0, seam.LoseReplies);
        Assert.Equal(2, seam.AppendCalls);
        Assert.Equal([1L, 2L], (await ListAsync(system)).Select(r => r.Sequence));
        Assert.Equal("""{"v":2}""", Encoding.UTF8.GetString((await vault.LoadLatestJsonAsync(system, Ct))!.Json.Span));
    }

    private static async Task<T> ReadWithFreshVaultAsync<T>(ISnapshotStore store, Func<SnapshotVault, Task<T>> read)
    {
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll });
        return await read(vault);
    }
}
