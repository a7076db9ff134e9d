using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StateVault.Envelope;
using StateVault.Retention;
using StateVault.Secrets;
using StateVault.Storage;
using StateVault.StoreWorker;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Sqlite.Tests;

/// <summary>What the SQLite store does beyond the shared conformance suite: its schema, columns, locking and processes.</summary>
public sealed class SqliteSnapshotStoreBehaviourTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sv-sqlite-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_folder, "nested", "statevault.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private ISnapshotStore CreateStore(TimeSpan? busyTimeout = null, TimeProvider? time = null) =>
        SqliteSnapshotStoreProvider.Create(new SqliteSnapshotStoreOptions { DatabasePath = DatabasePath, BusyTimeout = busyTimeout ?? TimeSpan.FromSeconds(30) }, timeProvider: time);

    private SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public async Task FirstUse_NewFileInMissingFolder_CreatesWalFileWithVersionedSchema()
    {
        await using var sut = CreateStore();

        Assert.Equal(0, await sut.GetLatestSequenceAsync("alpha", Ct));

        using var raw = OpenRaw();
        Assert.Equal("wal", Scalar(raw, "PRAGMA journal_mode"));
        Assert.Equal((long)SqliteSnapshotStore.CurrentSchemaVersion, Scalar(raw, "PRAGMA user_version"));
        Assert.Equal(4L, Scalar(raw, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('systems', 'snapshots', 'quarantine', 'chunks')"));
    }

    [Fact]
    public async Task FirstUse_ManyStoresOnANewFileAtOnce_AllSucceedAndSchemaIsAppliedOnce()
    {
        var stores = Enumerable.Range(0, 6).Select(_ => CreateStore()).ToList();
        try
        {
            var sequences = await Task.WhenAll(stores.Select((store, i) => Task.Run(() => store.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, $"{i}"), Ct), Ct)));

            Assert.Equal([1L, 2, 3, 4, 5, 6], sequences.Order());
            using var raw = OpenRaw();
            Assert.Equal((long)SqliteSnapshotStore.CurrentSchemaVersion, Scalar(raw, "PRAGMA user_version"));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task FirstUse_FileFromNewerSchema_FailsPermanentlyNamingTheVersion()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        using (var raw = OpenRaw())
        {
            Scalar(raw, "PRAGMA user_version = 99");
        }

        await using var sut = CreateStore();

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.GetLatestSequenceAsync("alpha", Ct));
        Assert.False(ex.IsTransient);
        Assert.Contains("schema version 99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_StoresEnvelopeUnchangedWithHeaderColumnsForListing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        await using var sut = CreateStore(time: time);
        await using var vault = new SnapshotVault(sut, new SnapshotVaultOptions { Producer = "host/42" }, timeProvider: time);

        var saved = await vault.SaveJsonAsync("alpha", """{"v":1}"""u8.ToArray(), new SaveOptions { Tags = ["daily"] }, Ct);

        var stored = await sut.ReadAsync("alpha", saved.Sequence, Ct);
        var header = SnapshotEnvelope.ReadHeader(stored);
        using var raw = OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT created_utc, schema_version, state_type, codec, stored_length, raw_length, sha256, producer, tags, stored_utc, envelope FROM snapshots WHERE system = 'alpha' AND sequence = 1";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal("2026-03-04T05:06:07.0000000Z", reader.GetString(0));
        Assert.Equal(header.SchemaVersion, reader.GetInt32(1));
        Assert.Equal(header.StateType, reader.GetString(2));
        Assert.Equal(header.Codec, reader.GetString(3));
        Assert.Equal(header.StoredLength, reader.GetInt64(4));
        Assert.Equal(header.RawLength, reader.GetInt64(5));
        Assert.Equal(header.Sha256, reader.GetString(6));
        Assert.Equal("host/42", reader.GetString(7));
        Assert.Equal("""["daily"]""", reader.GetString(8));
        Assert.Equal("2026-03-04T05:06:07.0000000Z", reader.GetString(9));
        Assert.Equal(stored, (byte[])reader.GetValue(10));
    }

    [Fact]
    public async Task Import_EnvelopeWhoseHeaderDoesNotParse_IsStoredUnchangedWithEmptyHeaderColumns()
    {
        await using var sut = CreateStore();
        var garbage = Encoding.ASCII.GetBytes("not an envelope at all");

        Assert.True(await sut.ImportAsync("alpha", 3, EnvelopeBytes.FromArray(garbage), Ct));

        Assert.Equal(garbage, await sut.ReadAsync("alpha", 3, Ct));
        using var raw = OpenRaw();
        Assert.Equal(DBNull.Value, Scalar(raw, "SELECT sha256 FROM snapshots WHERE system = 'alpha' AND sequence = 3"));
        Assert.Equal(3, await sut.GetLatestSequenceAsync("alpha", Ct));
    }

    [Fact]
    public async Task Quarantine_MovesTheRowWithItsReasonAndKeepsTheBytes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero));
        await using var sut = CreateStore(time: time);
        await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "1"), Ct);
        var original = await sut.ReadAsync("alpha", 1, Ct);

        Assert.True(await sut.QuarantineAsync("alpha", 1, "payload checksum mismatch", Ct));

        Assert.Null(await sut.ReadAsync("alpha", 1, Ct));
        Assert.False(await sut.QuarantineAsync("alpha", 1, "again", Ct));
        Assert.False(await sut.ImportAsync("alpha", 1, EnvelopeBytes.FromArray(original!), Ct));
        using var raw = OpenRaw();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT reason, quarantined_utc, envelope FROM quarantine WHERE system = 'alpha' AND sequence = 1";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal("payload checksum mismatch", reader.GetString(0));
        Assert.Equal("2026-05-06T07:08:09.0000000Z", reader.GetString(1));
        Assert.Equal(original, (byte[])reader.GetValue(2));
        Assert.False(reader.Read());
    }

    [Fact]
    public async Task Delete_EveryOneOfASystem_KeepsItListedAndItsNumbersReserved()
    {
        await using var sut = CreateStore();
        await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "1"), Ct);
        await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "2"), Ct);

        Assert.True(await sut.DeleteAsync("alpha", 1, Ct));
        Assert.True(await sut.DeleteAsync("alpha", 2, Ct));

        Assert.Equal(2, await sut.GetLatestSequenceAsync("alpha", Ct));
        Assert.Equal(["alpha"], await sut.ListSystemsAsync(Ct).ToListAsync(Ct));
        Assert.Equal(3, await sut.AppendAsync("alpha", 2, seq => TestEnvelopes.Create("alpha", seq, "3"), Ct));
    }

    [Fact]
    public async Task Append_AfterASystemsFirstSnapshot_LeavesTheMarkToDeletesAndQuarantine()
    {
        await using var sut = CreateStore();
        for (var i = 1; i <= 3; i++)
        {
            await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, $"{i}"), Ct);
        }

        // Only the first append writes the system's row (which lists it); the others write their snapshot row alone.
        using (var raw = OpenRaw())
        {
            Assert.Equal(1L, Scalar(raw, "SELECT high_water FROM systems WHERE system = 'alpha'"));
        }

        // A row that leaves raises the mark to its number, so neither number is handed out again.
        Assert.True(await sut.QuarantineAsync("alpha", 3, "test", Ct));
        Assert.True(await sut.DeleteAsync("alpha", 2, Ct));
        using (var raw = OpenRaw())
        {
            Assert.Equal(3L, Scalar(raw, "SELECT high_water FROM systems WHERE system = 'alpha'"));
        }

        Assert.Equal(3, await sut.GetLatestSequenceAsync("alpha", Ct));
        Assert.Equal(4, await sut.AppendAsync("alpha", 3, seq => TestEnvelopes.Create("alpha", seq, "4"), Ct));
        Assert.True(await sut.DeleteAsync("alpha", 4, Ct));
        Assert.Equal(5, await sut.AppendAsync("alpha", 4, seq => TestEnvelopes.Create("alpha", seq, "5"), Ct));
        Assert.Equal(["alpha"], await sut.ListSystemsAsync(Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Append_WhileAnotherProcessHoldsTheWriteLockPastTheBusyTimeout_FailsTransientAndWritesNothing()
    {
        await using var sut = CreateStore(busyTimeout: TimeSpan.FromMilliseconds(200));
        await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "1"), Ct);
        using var raw = OpenRaw();
        using var holder = raw.BeginTransaction(deferred: false);

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "2"), Ct));

        Assert.True(ex.IsTransient);
        holder.Rollback();
        Assert.Equal(1, await sut.GetLatestSequenceAsync("alpha", Ct));
    }

    [Fact]
    public async Task Append_FromSeveralOsProcessesOnOneFile_NoDuplicateAndNoLoss()
    {
        const int Processes = 3;
        const int PerProcess = 40;
        string[] systems = ["alpha", "beta"];
        await using var workers = await StoreWorkerGroup.StartAsync("sqlite:" + DatabasePath, systems, Processes, PerProcess, Ct);

        var acks = await workers.RunAsync(TimeSpan.FromMinutes(2), Ct);

        Assert.Equal(Processes * PerProcess, acks.Count);
        await using var store = CreateStore();
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll });
        foreach (var system in systems)
        {
            var mine = acks.Where(a => a.System == system).ToList();
            Assert.Equal(mine.Count, mine.Select(a => a.Sequence).Distinct().Count());
            var listed = await store.ListAsync(system, Ct).Select(r => r.Sequence).ToListAsync(Ct);
            Assert.Equal(Enumerable.Range(1, mine.Count).Select(i => (long)i), listed);
            foreach (var ack in mine)
            {
                var loaded = await vault.LoadJsonAsync(system, ack.Sequence, Ct);
                Assert.Equal(ack.Json, Encoding.UTF8.GetString(loaded!.Json.Span));
            }
        }
    }

    [Theory]
    [InlineData("sqlite:./data/statevault.db", "./data/statevault.db")]
    [InlineData("sqlite:/var/lib/app/state.db", "/var/lib/app/state.db")]
    [InlineData("sqlite:///var/lib/app/my%20state.db", "/var/lib/app/my state.db")]
    [InlineData("SQLITE:relative.db", "relative.db")]
    public void ParsePath_ValidUri_ReturnsTheFile(string uri, string expected) =>
        Assert.Equal(expected, SqliteSnapshotStoreProvider.ParsePath(uri));

    [Theory]
    [InlineData("sqlite:")]
    [InlineData("sqlite:./data/")]
    [InlineData("sqlite://remote-host/state.db")]
    [InlineData("file:./data")]
    public void ParsePath_InvalidUri_ThrowsArgumentException(string uri) =>
        Assert.Throws<ArgumentException>(() => SqliteSnapshotStoreProvider.ParsePath(uri));

    [Fact]
    public async Task Factory_SqliteUri_OpensTheSqliteStore()
    {
        var factory = new SnapshotStoreFactory([new SqliteSnapshotStoreProvider()]);

        await using var sut = factory.Open("sqlite:" + DatabasePath);

        Assert.Equal("sqlite", sut.Kind);
        Assert.Equal(1, await sut.AppendAsync("alpha", 0, seq => TestEnvelopes.Create("alpha", seq, "1"), Ct));
        Assert.True(File.Exists(DatabasePath));
    }

    [Fact]
    public async Task AddSqliteSnapshotStore_ValidOptions_RegistersProviderOnceAndTheStore()
    {
        var services = new ServiceCollection();
        services.AddSqliteSnapshotStoreProvider();
        services.AddSqliteSnapshotStore(o => o.DatabasePath = DatabasePath);
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.IsType<SqliteSnapshotStoreProvider>(Assert.Single(provider.GetServices<ISnapshotStoreProvider>()));
        var store = provider.GetRequiredService<ISnapshotStore>();
        Assert.Equal("sqlite", store.Kind);
        Assert.Equal(1, await store.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "1"), Ct));
    }

    [Fact]
    public async Task AddSqliteSnapshotStore_InvalidOptions_FailsValidationOnStart()
    {
        var services = new ServiceCollection();
        services.AddSqliteSnapshotStore(o =>
        {
            o.DatabasePath = " ";
            o.BusyTimeout = TimeSpan.Zero;
        });
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(ex.Failures, f => f.Contains("DatabasePath", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("BusyTimeout", StringComparison.Ordinal));
    }

    /// <summary>
    /// Forced contention between processes: one process stops inside an append, holding the store's lock; the others start
    /// saving and each must find the lock taken (it reports <c>blocked</c>) and acknowledge nothing until the holder commits.
    /// Then the holder has sequence 1 and the others every following number, once each.
    /// </summary>
    [Fact]
    public async Task Append_WhileAnotherProcessHoldsTheWriteLock_OtherProcessesWaitThenTakeTheFollowingSequences()
    {
        const int Contenders = 2;
        const int PerProcess = 5;
        var uri = "sqlite:" + DatabasePath;
        var contenders = new List<StoreWorkerProcess>();
        try
        {
            // Opened (schema checked) first: opening a store is not what is contended here, appending is.
            for (var i = 0; i < Contenders; i++)
            {
                contenders.Add(await StoreWorkerProcess.StartContendingAsync(uri, ["alpha"], PerProcess, $"c{i}", Ct));
            }

            await using var holder = await StoreWorkerProcess.StartHoldingAsync(uri, "alpha", Ct);
            Assert.Contains("holding 1", holder.Lines);
            contenders.ForEach(c => c.Go());
            foreach (var contender in contenders)
            {
                await contender.WaitForLineAsync("blocked", TimeSpan.FromMinutes(1), Ct);
            }

            // Every contender has met the lock held by another process; while it is held, nothing can be acknowledged.
            Assert.All(contenders, c => Assert.Empty(c.Acks));
            holder.Go();
            var held = await holder.CompleteAsync(TimeSpan.FromMinutes(1), Ct);
            var acks = (await Task.WhenAll(contenders.Select(c => c.CompleteAsync(TimeSpan.FromMinutes(2), Ct)))).SelectMany(a => a).ToList();

            Assert.Equal(new WorkerAck("alpha", 1, "holder", 0), Assert.Single(held));
            Assert.Equal(Enumerable.Range(2, Contenders * PerProcess).Select(i => (long)i), acks.Select(a => a.Sequence).Order());
            await using var store = CreateStore();
            Assert.Equal(Enumerable.Range(1, (Contenders * PerProcess) + 1).Select(i => (long)i), await store.ListAsync("alpha", Ct).Select(r => r.Sequence).ToListAsync(Ct));
        }
        finally
        {
            foreach (var contender in contenders)
            {
                await contender.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Save_WithKeepLastPruning_CommitsOncePerSave()
    {
        await using var store = CreateStore();
        var sut = (SqliteSnapshotStore)store;
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { Retention = new RetentionPolicy { KeepLast = 5 } });
        for (var i = 0; i < 5; i++)
        {
            await vault.SaveJsonAsync("alpha", Encoding.UTF8.GetBytes($$"""{"v":{{i}}}"""), cancellationToken: Ct);
        }

        var before = sut.CommittedWrites;
        for (var i = 5; i < 15; i++)
        {
            await vault.SaveJsonAsync("alpha", Encoding.UTF8.GetBytes($$"""{"v":{{i}}}"""), cancellationToken: Ct);
        }

        // Each save pruned one snapshot: one durable commit for the append and its delete together, not two.
        Assert.Equal(10, sut.CommittedWrites - before);
        var kept = new List<long>();
        await foreach (var item in store.ListAsync("alpha", Ct))
        {
            kept.Add(item.Sequence);
        }

        Assert.Equal([11L, 12, 13, 14, 15], kept);
        Assert.Equal(15, await store.GetLatestSequenceAsync("alpha", Ct));
    }

    [Fact]
    public async Task Append_AsksWhatToDeleteUnderTheWriteLockBeforeTheNewSnapshotIsVisible_ThenDeletesInTheSameCommit()
    {
        await using var store = CreateStore();
        var sut = (ISnapshotStoreWithPruningAppend)store;
        await AppendSmallAsync(store, "alpha", 3);

        var committedBefore = ((SqliteSnapshotStore)store).CommittedWrites;
        bool? writeLockHeld = null;
        long? visibleLatest = null;
        var sequence = await sut.AppendAsync(
            "alpha",
            3,
            seq => TestEnvelopes.Create("alpha", seq, $$"""{"v":{{seq}}}"""),
            _ =>
            {
                // Asked while the append holds the write lock, with its row not visible to any other connection yet: the
                // engine's re-check reads on other connections meanwhile, and the deletes join the same commit.
                using var raw = OpenRaw();
                visibleLatest = (long)Scalar(raw, "SELECT max(sequence) FROM snapshots WHERE system = 'alpha'")!;
                // Microsoft.Data.Sqlite retries a busy statement until the command timeout: one second, then BUSY.
                using var other = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Default Timeout=1");
                other.Open();
                Scalar(other, "PRAGMA busy_timeout = 0");
                try
                {
                    Scalar(other, "BEGIN IMMEDIATE");
                    Scalar(other, "ROLLBACK");
                    writeLockHeld = false;
                }
                catch (SqliteException ex) when (ex.SqliteErrorCode == 5)
                {
                    writeLockHeld = true;
                }

                return Task.FromResult<IReadOnlyCollection<long>>([1L, 4L]);
            },
            Ct);

        Assert.Equal(4, sequence);
        Assert.True(writeLockHeld);
        Assert.Equal(3, visibleLatest);
        Assert.Equal(1, ((SqliteSnapshotStore)store).CommittedWrites - committedBefore);
        var kept = new List<long>();
        await foreach (var item in store.ListAsync("alpha", Ct))
        {
            kept.Add(item.Sequence);
        }

        Assert.Equal([2L, 3L, 4L], kept); // 1 deleted; 4 (the new one) never
    }

    [Fact]
    public async Task AppendPlanned_ListsAndReadsInsideTheTransaction_AndDeletesInTheSameCommit()
    {
        await using var store = CreateStore();
        var sut = (SqliteSnapshotStore)store;
        for (var i = 1; i <= 3; i++)
        {
            // 2 is larger than the envelopes that come with the listing: the plan's read of it is a statement of its own.
            await store.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, seq == 2 ? $$"""{"v":2,"pad":"{{new string('x', 40_000)}}"}""" : $$"""{"v":{{seq}}}"""), Ct);
        }

        var expected2 = await store.ReadAsync("alpha", 2, Ct);
        var expected3 = await store.ReadAsync("alpha", 3, Ct);
        byte[]? read3 = null;
        var committedBefore = sut.CommittedWrites;
        long? allocated = null;
        List<long>? listed = null;
        byte[]? read2 = null;
        byte[]? readNew = null;
        var readGone = new byte[1];
        long? visibleLatest = null;
        var sequence = await sut.AppendPlannedAsync(
            "alpha",
            3,
            seq => TestEnvelopes.Create("alpha", seq, $$"""{"v":{{seq}}}"""),
            listing =>
            {
                allocated = listing.Sequence;
                listed = [.. listing.Snapshots.Select(s => s.Sequence)];
                read2 = listing.Read(2);
                read3 = listing.Read(3);
                readNew = listing.Read(listing.Sequence);
                readGone = listing.Read(99);
                // Inside the transaction: the new row is not visible to any other connection yet.
                using var raw = OpenRaw();
                visibleLatest = (long)Scalar(raw, "SELECT max(sequence) FROM snapshots WHERE system = 'alpha'")!;
                return [1L, 4L];
            },
            Ct);

        Assert.Equal(4, sequence);
        Assert.Equal(4, allocated);
        Assert.Equal([1L, 2L, 3L, 4L], listed);
        Assert.Equal(expected2, read2);
        Assert.Equal(expected3, read3);
        Assert.Equal(await store.ReadAsync("alpha", 4, Ct), readNew);
        Assert.Null(readGone);
        Assert.Equal(3, visibleLatest);
        Assert.Equal(1, sut.CommittedWrites - committedBefore);
        Assert.Equal([2L, 3L, 4L], await ListAsync(store, "alpha")); // 1 deleted; 4 (the new one) never
    }

    [Fact]
    public async Task Save_WithKeepLast_TheLeavingSnapshotsRowBecomesTheNewOne_NoPageIsFreedOrAllocated()
    {
        await using var store = CreateStore();
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { Retention = new RetentionPolicy { KeepLast = 3 } });
        var pad = new string('x', 1_000); // about the size of the benchmarks' 1 KiB state: a few rows per page
        async Task SaveAsync(int from, int to)
        {
            for (var v = from; v <= to; v++)
            {
                await vault.SaveJsonAsync("alpha", Encoding.UTF8.GetBytes($$"""{"v":{{v}},"pad":"{{pad}}"}"""), cancellationToken: Ct);
            }
        }

        await SaveAsync(10, 19);
        using var raw = OpenRaw();
        var pages = (long)Scalar(raw, "PRAGMA page_count")!;
        await SaveAsync(20, 59);

        // Each save's prune gave the oldest row to the new snapshot: the three rows are the first three ever inserted, and the
        // file neither freed nor allocated a page in forty saves.
        Assert.Equal(3L, (long)Scalar(raw, "SELECT count(*) FROM snapshots WHERE system = 'alpha' AND rowid <= 3")!);
        Assert.Equal(0L, (long)Scalar(raw, "PRAGMA freelist_count")!);
        Assert.Equal(pages, (long)Scalar(raw, "PRAGMA page_count")!);

        // And they are exactly the snapshots an insert plus a delete would have left: the newest three, their listing columns
        // those of their own envelopes, readable by this store, another instance and the vault.
        Assert.Equal([48L, 49L, 50L], await ListAsync(store, "alpha"));
        Assert.Equal(50, await store.GetLatestSequenceAsync("alpha", Ct));
        await using var other = CreateStore();
        foreach (var sequence in new long[] { 48, 49, 50 })
        {
            var bytes = await store.ReadAsync("alpha", sequence, Ct);
            Assert.NotNull(bytes);
            Assert.Equal(bytes, await other.ReadAsync("alpha", sequence, Ct));
            var header = SnapshotEnvelope.ReadHeader(bytes);
            Assert.Equal(sequence, header.Sequence);
            using var columns = raw.CreateCommand();
            columns.CommandText = "SELECT sha256, stored_length, raw_length FROM snapshots WHERE system = 'alpha' AND sequence = $sequence";
            columns.Parameters.AddWithValue("$sequence", sequence);
            using var reader = columns.ExecuteReader();
            Assert.True(reader.Read());
            Assert.Equal(header.Sha256, reader.GetString(0));
            Assert.Equal(header.StoredLength, reader.GetInt64(1));
            Assert.Equal(header.RawLength, reader.GetInt64(2));
        }

        Assert.Null(await store.ReadAsync("alpha", 47, Ct));
        var loaded = await vault.LoadLatestJsonAsync("alpha", Ct);
        Assert.Equal(50, loaded!.Metadata.Sequence);
        Assert.Contains("\"v\":59", Encoding.UTF8.GetString(loaded.Json.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_PruningALargeSnapshotsRowOrOneAlreadyGone_StoresTheNewOneWholeAndDeletesTheRest()
    {
        await using var store = CreateStore();
        var sut = (ISnapshotStoreWithPruningAppend)store;
        await AppendSmallAsync(store, "alpha", 4);

        // A 1.5 MiB envelope (streamed into its row) takes the row of 1.
        var large = $$"""{"v":5,"pad":"{{new string('y', 1_536 * 1024)}}"}""";
        Assert.Equal(5, await sut.AppendAsync("alpha", 4, seq => TestEnvelopes.Create("alpha", seq, large), [1L], Ct));
        Assert.Equal(TestEnvelopes.Create("alpha", 5, large).ToArray(), await store.ReadAsync("alpha", 5, Ct));
        using (var raw = OpenRaw())
        {
            Assert.Equal(5L, (long)Scalar(raw, "SELECT sequence FROM snapshots WHERE rowid = 1")!);
        }

        // The row asked for first is gone already (another prune took it): the new one is inserted, the others still deleted.
        Assert.True(await store.DeleteAsync("alpha", 2, Ct));
        Assert.Equal(6, await sut.AppendAsync("alpha", 5, seq => TestEnvelopes.Create("alpha", seq, """{"v":6}"""), [2L, 3L, 6L, 7L], Ct));
        Assert.Equal([4L, 5L, 6L], await ListAsync(store, "alpha")); // never the new one, nor a number above it
        Assert.Equal(TestEnvelopes.Create("alpha", 6, """{"v":6}""").ToArray(), await store.ReadAsync("alpha", 6, Ct));

        // Small again, into the large one's row.
        Assert.Equal(7, await sut.AppendAsync("alpha", 6, seq => TestEnvelopes.Create("alpha", seq, """{"v":7}"""), [5L], Ct));
        Assert.Equal([4L, 6L, 7L], await ListAsync(store, "alpha"));
        Assert.Equal(TestEnvelopes.Create("alpha", 7, """{"v":7}""").ToArray(), await store.ReadAsync("alpha", 7, Ct));
        Assert.Equal(7, await store.GetLatestSequenceAsync("alpha", Ct));
    }

    [Fact]
    public async Task Append_WhatToDeleteNotKnownYetWhenTheRowIsWritten_InsertsIt_ThenDeletesInTheSameCommit()
    {
        var time = new SignallingTime();
        await using var store = CreateStore(time: time);
        var sut = (ISnapshotStoreWithPruningAppend)store;
        await AppendSmallAsync(store, "alpha", 3);

        // The engine's re-check is still reading when the append writes its row: the row is inserted (the write is not held
        // up for the plan), and the plan, answered once the row is being written, is applied in the same commit.
        var plan = new TaskCompletionSource<IReadOnlyCollection<long>>(TaskCreationOptions.RunContinuationsAsynchronously);
        time.OnNow = () => plan.TrySetResult([1L]);
        var committedBefore = ((SqliteSnapshotStore)store).CommittedWrites;
        var append = sut.AppendAsync("alpha", 3, seq => TestEnvelopes.Create("alpha", seq, """{"v":4}"""), _ => plan.Task, Ct);
        long sequence;
        try
        {
            sequence = await append.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }
        catch (TimeoutException)
        {
            plan.TrySetResult([]); // let it finish (the store is disposed below), then fail
            await append;
            throw new Xunit.Sdk.XunitException("The append waited for the plan before it wrote its row.");
        }

        Assert.Equal(4, sequence);
        Assert.Equal(1, ((SqliteSnapshotStore)store).CommittedWrites - committedBefore);
        Assert.Equal([2L, 3L, 4L], await ListAsync(store, "alpha"));
        using var raw = OpenRaw();
        Assert.Equal(4L, (long)Scalar(raw, "SELECT rowid FROM snapshots WHERE system = 'alpha' AND sequence = 4")!);
        Assert.Equal(TestEnvelopes.Create("alpha", 4, """{"v":4}""").ToArray(), await store.ReadAsync("alpha", 4, Ct));
    }

    /// <summary>The system clock, calling <see cref="OnNow"/> whenever the store asks it for the time.</summary>
    private sealed class SignallingTime : TimeProvider
    {
        public Action? OnNow { get; set; }

        public override DateTimeOffset GetUtcNow()
        {
            OnNow?.Invoke();
            return System.GetUtcNow();
        }
    }

    [Fact]
    public async Task Append_WhatToDeleteFailsOrThePlanThrows_TheAppendStillCommitsAndNothingIsDeleted()
    {
        await using var store = CreateStore();
        var sut = (ISnapshotStoreWithPruningAppend)store;
        await store.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, """{"v":1}"""), Ct);

        var sequence = await sut.AppendAsync(
            "alpha",
            1,
            seq => TestEnvelopes.Create("alpha", seq, """{"v":2}"""),
            _ => Task.FromException<IReadOnlyCollection<long>>(new InvalidOperationException("planning failed")),
            Ct);

        Assert.Equal(2, sequence);
        Assert.Equal([1L, 2L], await ListAsync(store, "alpha"));

        // The same when the plan made inside the append's transaction throws.
        sequence = await ((SqliteSnapshotStore)store).AppendPlannedAsync(
            "alpha",
            2,
            seq => TestEnvelopes.Create("alpha", seq, """{"v":3}"""),
            _ => throw new InvalidOperationException("planning failed"),
            Ct);

        Assert.Equal(3, sequence);
        Assert.Equal([1L, 2L, 3L], await ListAsync(store, "alpha"));
    }

    [Fact]
    public async Task ReadMany_ReturnsExactlyWhatReadReturns_AndLeavesOutWhatIsNotThere()
    {
        await using var store = CreateStore();
        var sut = (SqliteSnapshotStore)store;
        for (var i = 1; i <= 3; i++)
        {
            await store.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, $$"""{"v":{{i}}}"""), Ct);
        }

        await store.AppendAsync("beta", null, seq => TestEnvelopes.Create("beta", seq, """{"other":true}"""), Ct);

        var read = await sut.ReadManyAsync("alpha", [1, 3, 3, 9], Ct);

        Assert.Equal([1L, 3L], read.Keys.Order());
        Assert.Equal(await store.ReadAsync("alpha", 1, Ct), read[1]);
        Assert.Equal(await store.ReadAsync("alpha", 3, Ct), read[3]);
        Assert.Empty(await sut.ReadManyAsync("alpha", [], Ct));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ListAndRead_ListsLikeListAndReadsExactlyTheWantedLikeRead_InTheStoreAndInTheDefault(bool sqliteOwn)
    {
        await using var store = CreateStore();
        await AppendSmallAsync(store, "alpha", 5);

        await store.AppendAsync("beta", null, seq => TestEnvelopes.Create("beta", seq, """{"other":true}"""), Ct);
        await ((ISnapshotStoreWithPruningAppend)store).AppendAsync("alpha", 5, seq => TestEnvelopes.Create("alpha", seq, """{"v":6}"""), [1L], Ct);
        var sut = new CountingReadsStore((SqliteSnapshotStore)store, forwardListAndRead: sqliteOwn);

        var (snapshots, envelopes) = await ((ISnapshotStoreWithBatchRead)sut).ListAndReadAsync("alpha", sequence => sequence % 2 == 0, Ct);

        Assert.Equal(await ListAsync(store, "alpha"), snapshots.Select(s => s.Sequence).ToList());
        var listed = new List<StoredSnapshotRef>();
        await foreach (var item in store.ListAsync("alpha", Ct))
        {
            listed.Add(item);
        }

        Assert.Equal(listed, snapshots);
        Assert.Equal([2L, 4L, 6L], envelopes.Keys.Order());
        foreach (var (sequence, bytes) in envelopes)
        {
            Assert.Equal(await store.ReadAsync("alpha", sequence, Ct), bytes);
        }

        Assert.Equal(sqliteOwn ? 0 : 1, sut.Lists);
        Assert.Equal(sqliteOwn ? 0 : 1, sut.BatchReads);
        Assert.Empty((await ((ISnapshotStoreWithBatchRead)sut).ListAndReadAsync("gamma", _ => true, Ct)).Snapshots);
    }

    [Fact]
    public async Task ListAndRead_ManyAtOnceWithDifferentWishes_EachReturnsItsOwn()
    {
        // The calls share one connection and one registered function: each must see only its own wishes and bounds.
        await using var store = CreateStore();
        await AppendSmallAsync(store, "alpha", 6);

        var batch = (ISnapshotStoreWithBatchRead)store;
        // The first call stays inside its wish until every other call has been made: they overlap it if the store lets them.
        using var firstInside = new ManualResetEventSlim();
        using var othersMade = new ManualResetEventSlim();
        var made = 0;
        async Task<(int Remainder, int Listed, List<long> Read)> CallAsync(int i)
        {
            var (snapshots, envelopes) = await batch.ListAndReadAsync(
                "alpha",
                sequence =>
                {
                    if (i == 0)
                    {
                        firstInside.Set();
                        othersMade.Wait(Ct);
                    }

                    return sequence % 3 == i % 3;
                },
                Ct);
            return (i % 3, snapshots.Count, envelopes.Keys.Order().ToList());
        }

        var first = Task.Run(() => CallAsync(0));
        firstInside.Wait(Ct);
        var others = Enumerable.Range(1, 23).Select(i => Task.Run(() =>
        {
            if (Interlocked.Increment(ref made) == 23)
            {
                othersMade.Set();
            }

            return CallAsync(i);
        })).ToList();
        // Bounded: calls mixed on one connection could block each other for good.
        var calls = await Task.WhenAll([first, .. others]).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        foreach (var call in calls)
        {
            Assert.Equal(6, call.Listed);
            Assert.Equal(Enumerable.Range(1, 6).Select(s => (long)s).Where(s => s % 3 == call.Remainder), call.Read);
        }
    }

    [Fact]
    public async Task ListAndRead_WishThatThrows_FailsThatCallOnly()
    {
        await using var store = CreateStore();
        await store.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "{}"), Ct);
        var batch = (ISnapshotStoreWithBatchRead)store;

        await Assert.ThrowsAnyAsync<Exception>(() => batch.ListAndReadAsync("alpha", _ => throw new InvalidOperationException("wish failed"), Ct));

        var (snapshots, envelopes) = await batch.ListAndReadAsync("alpha", _ => true, Ct);
        Assert.Single(snapshots);
        Assert.Single(envelopes);
    }

    [Fact]
    public async Task ReadMany_EnvelopesAddingUpPastSixteenMebibytes_ReturnsAtMostSixteenMebibytes_TheRestIsLeftOut()
    {
        await using var store = CreateStore();
        var sut = (SqliteSnapshotStore)store;
        // 17 envelopes just under 1 MiB each (the largest batched): 16 fit the bound, the 17th would cross it.
        var payload = new byte[1024 * 1024 - 4096];
        Random.Shared.NextBytes(payload);
        for (var i = 1; i <= 17; i++)
        {
            await store.AppendAsync("big", null, seq => TestEnvelopes.Create("big", seq, payload), Ct);
        }

        var read = await sut.ReadManyAsync("big", Enumerable.Range(1, 17).Select(i => (long)i).ToList(), Ct);
        var (listed, listedBytes) = await sut.ListAndReadAsync("big", _ => true, Ct);

        Assert.Equal(17, listed.Count);
        foreach (var batch in new[] { read, listedBytes })
        {
            Assert.InRange(batch.Values.Sum(b => (long)b.Length), 1, 16L * 1024 * 1024);
            Assert.Equal(16, batch.Count);
            foreach (var (sequence, bytes) in batch)
            {
                Assert.Equal(await store.ReadAsync("big", sequence, Ct), bytes);
            }
        }
    }

    [Fact]
    public async Task Save_KeptSnapshotDamagedInTheDatabase_IsCaughtByTheBatchedRecheck_AndTheGoodOldestStays()
    {
        await using var store = CreateStore();
        var sut = new CountingReadsStore((SqliteSnapshotStore)store);
        await using var vault = new SnapshotVault(sut, new SnapshotVaultOptions { Retention = new RetentionPolicy { KeepLast = 5 } });
        await SaveAlphaAsync(vault, 1, 6);

        // A steady-state save lists and re-reads the kept snapshots it did not just write in one query: nothing one by one,
        // no separate listing or batch read.
        var (singleReads, lists, batches, listsWithBytes) = (sut.SingleReads, sut.Lists, sut.BatchReads, sut.ListsWithBytes);
        await SaveAlphaAsync(vault, 7, 7);
        Assert.Equal(singleReads, sut.SingleReads);
        Assert.Equal(lists, sut.Lists);
        Assert.Equal(batches, sut.BatchReads);
        Assert.Equal(listsWithBytes + 1, sut.ListsWithBytes);
        Assert.Equal([3L, 4L, 5L, 6L, 7L], await ListAsync(store, "alpha"));

        // Snapshot 5 rots in the database (same length): the next save's batched re-check must see it.
        await DamageSnapshot5ThenSave_TheGoodOldestStaysAsync(store, vault);
    }

    [Fact]
    public async Task Save_PlansRetentionInsideTheAppend_WithNoListingOfItsOwn_AndADamagedKeptSnapshotStillStopsThePrune()
    {
        await using var store = CreateStore();
        var sut = (SqliteSnapshotStore)store;
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { Retention = new RetentionPolicy { KeepLast = 5 } });
        await SaveAlphaAsync(vault, 1, 6);

        // A steady-state save lists inside its own transaction, on the writer: no listing on another connection, one commit.
        var (lister, inAppend, commits) = (sut.ListerListings, sut.ListingsInAppend, sut.CommittedWrites);
        await SaveAlphaAsync(vault, 7, 7);
        Assert.Equal(lister, sut.ListerListings);
        Assert.Equal(inAppend + 1, sut.ListingsInAppend);
        Assert.Equal(commits + 1, sut.CommittedWrites);
        Assert.Equal([3L, 4L, 5L, 6L, 7L], await ListAsync(store, "alpha"));

        // Snapshot 5 rots in the database (same length): the plan inside the append reads it again and must not trust it.
        await DamageSnapshot5ThenSave_TheGoodOldestStaysAsync(store, vault);
    }

    [Fact]
    public async Task Save_ReadsNoKeptSnapshotAgainWithinOneChangeEpoch_AndAllOfThemAfterAnotherConnectionCommits()
    {
        await using var store = CreateStore();
        var sut = (SqliteSnapshotStore)store;
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { Retention = new RetentionPolicy { KeepLast = 5 } });
        await SaveAlphaAsync(vault, 1, 7);

        // Every kept snapshot was written by this vault through the store's writer, and nothing else has committed since:
        // the plan inside the append trusts them without reading them again.
        var reads = sut.EnvelopesReadInAppend;
        await SaveAlphaAsync(vault, 8, 8);
        Assert.Equal(reads, sut.EnvelopesReadInAppend);
        Assert.Equal([4L, 5L, 6L, 7L, 8L], await ListAsync(store, "alpha"));

        // Another connection commits (to a table of its own: any commit counts), and the next plan reads all four it keeps.
        using (var raw = OpenRaw())
        {
            Scalar(raw, "CREATE TABLE elsewhere (x INTEGER)");
            Scalar(raw, "INSERT INTO elsewhere VALUES (1)");
        }

        await SaveAlphaAsync(vault, 9, 9);
        Assert.Equal(reads + 4, sut.EnvelopesReadInAppend);
        Assert.Equal([5L, 6L, 7L, 8L, 9L], await ListAsync(store, "alpha"));

        // Those reads count for the new epoch: the save after them reads none again.
        await SaveAlphaAsync(vault, 10, 10);
        Assert.Equal(reads + 4, sut.EnvelopesReadInAppend);
        Assert.Equal([6L, 7L, 8L, 9L, 10L], await ListAsync(store, "alpha"));
    }

    /// <summary>
    /// A load after this store's own saves reads on its writer (the statement prepared once, the pages it wrote cached) and
    /// opens no pooled connection, and still sees what another instance committed since; a store that never wrote reads on
    /// pooled connections.
    /// </summary>
    [Fact]
    public async Task LoadLatest_AfterThisStoresSaves_ReadsOnTheWriter_AndSeesAnotherInstancesCommit()
    {
        await using var store = CreateStore();
        var sut = (SqliteSnapshotStore)store;
        await using var vault = new SnapshotVault(store);
        await SaveAlphaAsync(vault, 1, 3);

        var pooled = sut.PooledReads;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(3, (await vault.LoadLatestJsonAsync("alpha", Ct))!.Metadata.Sequence);
        }

        Assert.Equal(pooled, sut.PooledReads);

        await using (var other = CreateStore())
        await using (var otherVault = new SnapshotVault(other))
        {
            await SaveAlphaAsync(otherVault, 4, 4);
        }

        var loaded = await vault.LoadLatestJsonAsync("alpha", Ct);
        Assert.Equal(4, loaded!.Metadata.Sequence);
        Assert.Contains("\"v\":4", Encoding.UTF8.GetString(loaded.Json.Span), StringComparison.Ordinal);
        Assert.Equal(pooled, sut.PooledReads);

        await using var readOnly = CreateStore();
        await using var readOnlyVault = new SnapshotVault(readOnly);
        Assert.Equal(4, (await readOnlyVault.LoadLatestJsonAsync("alpha", Ct))!.Metadata.Sequence);
        Assert.True(((SqliteSnapshotStore)readOnly).PooledReads > 0);
    }

    [Fact]
    public async Task Read_AfterThisStoresWrites_SmallOnTheWriter_LargeOnAPooledConnection_BothAsAnotherInstanceReadsThem()
    {
        await using var store = CreateStore();
        var sut = (SqliteSnapshotStore)store;
        await store.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, """{"v":1}"""), Ct);
        var large = "{\"pad\":\"" + new string('x', 1536 * 1024) + "\"}";
        await store.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, large), Ct);
        await using var other = CreateStore();

        var pooled = sut.PooledReads;
        var small = await store.ReadAsync("alpha", 1, Ct);
        Assert.Null(await store.ReadAsync("alpha", 9, Ct));
        Assert.Equal(pooled, sut.PooledReads);
        Assert.Equal(await other.ReadAsync("alpha", 1, Ct), small);

        // Streamed on a pooled connection: the writer is not held for as long as a large read takes.
        var read = await store.ReadAsync("alpha", 2, Ct);
        Assert.Equal(pooled + 1, sut.PooledReads);
        Assert.Equal(await other.ReadAsync("alpha", 2, Ct), read);
        Assert.True(read!.Length > 1536 * 1024);
    }

    /// <summary>Saves alpha's small states numbered <paramref name="from"/> to <paramref name="to"/>, one after another.</summary>
    private async Task SaveAlphaAsync(SnapshotVault vault, int from, int to)
    {
        for (var v = from; v <= to; v++)
        {
            await vault.SaveJsonAsync("alpha", Encoding.UTF8.GetBytes($$"""{"v":{{v}},"pad":"0123456789"}"""), cancellationToken: Ct);
        }
    }

    /// <summary>
    /// Snapshots 3-7 of alpha kept: 5 is changed in the database behind the store (same length), and the next save must not
    /// prune on its strength: five valid snapshots are 3, 4, 6, 7, 8, so the good oldest 3 stays and 5 is quarantined.
    /// </summary>
    private async Task DamageSnapshot5ThenSave_TheGoodOldestStaysAsync(ISnapshotStore store, SnapshotVault vault)
    {
        var damaged = (await store.ReadAsync("alpha", 5, Ct))!;
        damaged[^2] ^= 0x01;
        using (var raw = OpenRaw())
        using (var update = raw.CreateCommand())
        {
            update.CommandText = "UPDATE snapshots SET envelope = $e WHERE system = 'alpha' AND sequence = 5";
            update.Parameters.AddWithValue("$e", damaged);
            Assert.Equal(1, update.ExecuteNonQuery());
        }

        await SaveAlphaAsync(vault, 8, 8);

        Assert.Equal([3L, 4L, 6L, 7L, 8L], await ListAsync(store, "alpha"));
        using (var raw = OpenRaw())
        {
            Assert.Equal(5L, Scalar(raw, "SELECT sequence FROM quarantine WHERE system = 'alpha'"));
        }
    }

    [Fact]
    public async Task Save_AfterAnotherWritersSnapshot_DeclinesToPlanInsideTheAppend_ThenThePlanThereResumes()
    {
        await using var store = CreateStore();
        var sut = (SqliteSnapshotStore)store;
        var options = new SnapshotVaultOptions { Retention = new RetentionPolicy { KeepLast = 5 } };
        await using var first = new SnapshotVault(store, options);
        await using var second = new SnapshotVault(store, options);
        for (var i = 1; i <= 5; i++)
        {
            await first.SaveJsonAsync("alpha", Encoding.UTF8.GetBytes($$"""{"v":{{i}}}"""), cancellationToken: Ct);
        }

        // The second vault verified none of 1-5: its plan inside the append declines, and the ordinary path after the
        // commit verifies them in full and prunes (a second commit).
        var commits = sut.CommittedWrites;
        await second.SaveJsonAsync("alpha", Encoding.UTF8.GetBytes("""{"v":6}"""), cancellationToken: Ct);
        Assert.Equal(commits + 2, sut.CommittedWrites);
        Assert.Equal([2L, 3L, 4L, 5L, 6L], await ListAsync(store, "alpha"));

        // The first vault never saw 6 either: the same once.
        commits = sut.CommittedWrites;
        await first.SaveJsonAsync("alpha", Encoding.UTF8.GetBytes("""{"v":7}"""), cancellationToken: Ct);
        Assert.Equal(commits + 2, sut.CommittedWrites);
        Assert.Equal([3L, 4L, 5L, 6L, 7L], await ListAsync(store, "alpha"));

        // Now it has verified every snapshot listed: the plan runs inside the append again, one commit.
        commits = sut.CommittedWrites;
        await first.SaveJsonAsync("alpha", Encoding.UTF8.GetBytes("""{"v":8}"""), cancellationToken: Ct);
        Assert.Equal(commits + 1, sut.CommittedWrites);
        Assert.Equal([4L, 5L, 6L, 7L, 8L], await ListAsync(store, "alpha"));
        Assert.Equal(8, (await second.LoadLatestJsonAsync("alpha", Ct))!.Metadata.Sequence);
    }

    /// <summary>The SQLite store with its pruning append and batch reads, counting the reads and listings of each kind.</summary>
    private sealed class CountingReadsStore(SqliteSnapshotStore inner, bool forwardListAndRead = true)
        : DelegatingSnapshotStore<SqliteSnapshotStore>(inner, ownsInner: false), ISnapshotStoreWithPruningAppend, ISnapshotStoreWithBatchRead
    {
        private long _singleReads;
        private long _lists;
        private long _batchReads;
        private long _listsWithBytes;

        public long SingleReads => Interlocked.Read(ref _singleReads);

        public long Lists => Interlocked.Read(ref _lists);

        public long BatchReads => Interlocked.Read(ref _batchReads);

        public long ListsWithBytes => Interlocked.Read(ref _listsWithBytes);

        public override Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _singleReads);
            return Inner.ReadAsync(system, sequence, cancellationToken);
        }

        public override IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _lists);
            return Inner.ListAsync(system, cancellationToken);
        }

        public Task<IReadOnlyDictionary<long, byte[]>> ReadManyAsync(string system, IReadOnlyCollection<long> sequences, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _batchReads);
            return Inner.ReadManyAsync(system, sequences, cancellationToken);
        }

        // Forwarded unless asked not to: then the interface's default (a listing, then a batch read) runs over this wrapper.
        Task<(IReadOnlyList<StoredSnapshotRef> Snapshots, IReadOnlyDictionary<long, byte[]> Envelopes)> ISnapshotStoreWithBatchRead.ListAndReadAsync(string system, Func<long, bool> wanted, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _listsWithBytes);
            return forwardListAndRead ? Inner.ListAndReadAsync(system, wanted, cancellationToken) : DefaultListAndReadAsync(system, wanted, cancellationToken);
        }

        private Task<(IReadOnlyList<StoredSnapshotRef> Snapshots, IReadOnlyDictionary<long, byte[]> Envelopes)> DefaultListAndReadAsync(string system, Func<long, bool> wanted, CancellationToken cancellationToken) =>
            ((ISnapshotStoreWithBatchRead)new DefaultBatchRead(this)).ListAndReadAsync(system, wanted, cancellationToken);

        public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, IReadOnlyCollection<long> deleteOlder, CancellationToken cancellationToken) =>
            Inner.AppendAsync(system, expectedLatestSequence, createEnvelope, deleteOlder, cancellationToken);

        public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, Func<CancellationToken, Task<IReadOnlyCollection<long>>> deleteOlder, CancellationToken cancellationToken) =>
            Inner.AppendAsync(system, expectedLatestSequence, createEnvelope, deleteOlder, cancellationToken);
    }

    /// <summary>A batch reader that keeps the interface's default <see cref="ISnapshotStoreWithBatchRead.ListAndReadAsync"/>.</summary>
    private sealed class DefaultBatchRead(ISnapshotStoreWithBatchRead inner)
        : DelegatingSnapshotStore<ISnapshotStoreWithBatchRead>(inner, ownsInner: false), ISnapshotStoreWithBatchRead
    {
        public Task<IReadOnlyDictionary<long, byte[]>> ReadManyAsync(string system, IReadOnlyCollection<long> sequences, CancellationToken cancellationToken) =>
            Inner.ReadManyAsync(system, sequences, cancellationToken);
    }

    /// <summary>Appends <paramref name="count"/> small snapshots, <c>{"v":sequence}</c>, to <paramref name="system"/>.</summary>
    private static async Task AppendSmallAsync(ISnapshotStore store, string system, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await store.AppendAsync(system, null, seq => TestEnvelopes.Create(system, seq, $$"""{"v":{{seq}}}"""), Ct);
        }
    }

    private static async Task<List<long>> ListAsync(ISnapshotStore store, string system)
    {
        var sequences = new List<long>();
        await foreach (var item in store.ListAsync(system, Ct))
        {
            sequences.Add(item.Sequence);
        }

        return sequences;
    }

    [Fact]
    public async Task Save_ManyLargeStatesWithKeepLastFive_FileStaysCloseToTheLiveData()
    {
        await using (var store = CreateStore())
        await using (var vault = new SnapshotVault(store, new SnapshotVaultOptions { Retention = new RetentionPolicy { KeepLast = 5 }, SecretPolicy = SecretPolicy.Off }))
        {
            var random = new Random(11);
            for (var i = 0; i < 30; i++)
            {
                // About 100 KiB of random hex, different every save (the secret scan is off for it); the last ten about
                // 10 KiB: the state shrank, and the pages the large ones held must not stay in the file.
                var hex = Convert.ToHexString(Enumerable.Range(0, i < 20 ? 50_000 : 5_000).Select(_ => (byte)random.Next(256)).ToArray());
                await vault.SaveJsonAsync("alpha", Encoding.UTF8.GetBytes($$"""{"blob":"{{hex}}"}"""), cancellationToken: Ct);
            }
        }

        SqliteConnection.ClearAllPools();
        long live;
        using (var raw = OpenRaw())
        {
            live = (long)Scalar(raw, "SELECT sum(length(envelope)) FROM snapshots")!;
            Scalar(raw, "PRAGMA wal_checkpoint(TRUNCATE)");
        }

        var size = new FileInfo(DatabasePath).Length;
        // Free pages are given back once they are more than a quarter of the file, so the file is at most a third over the
        // live data; allowed beyond that: two 4 KiB pages per kept snapshot (its row and the partly filled last page of its
        // BLOB) and eight pages of schema. Freed pages never given back would keep the file at the large states' size
        // (about 600 KiB for 50 KiB live); with keep-last 5 of a steady size they are reused by the next saves.
        var allowed = (live * 4 / 3) + (5 * 8 * 1024) + (32 * 1024);
        Assert.True(size <= allowed, $"database file {size} bytes for {live} bytes of live snapshots (allowed {allowed})");
    }

    [Fact]
    public async Task Save_OnAnExistingFileCreatedWithoutAutoVacuum_SavesAndPrunes()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        using (var raw = OpenRaw())
        {
            // A file made before auto_vacuum was set: once it holds a table, the mode can no longer change without a VACUUM.
            Scalar(raw, "PRAGMA journal_mode = WAL");
            Scalar(raw, "CREATE TABLE unrelated (x INTEGER)");
        }

        await using var sut = CreateStore();
        await using var vault = new SnapshotVault(sut, new SnapshotVaultOptions { Retention = new RetentionPolicy { KeepLast = 2 } });
        for (var i = 0; i < 4; i++)
        {
            await vault.SaveJsonAsync("alpha", Encoding.UTF8.GetBytes($$"""{"v":{{i}}}"""), cancellationToken: Ct);
        }

        var kept = new List<long>();
        await foreach (var item in sut.ListAsync("alpha", Ct))
        {
            kept.Add(item.Sequence);
        }

        Assert.Equal([3L, 4], kept);
        Assert.Equal("""{"v":3}""", Encoding.UTF8.GetString((await vault.LoadLatestJsonAsync("alpha", Ct))!.Json.Span));
        SqliteConnection.ClearAllPools();
        using var check = OpenRaw();
        Assert.Equal(0L, Scalar(check, "PRAGMA auto_vacuum"));
    }

    private static (string Id, byte[] Data) NewChunk(Random random, int length)
    {
        var data = new byte[length];
        random.NextBytes(data);
        return (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), data);
    }

    [Fact]
    public async Task FirstUse_FileFromSchemaVersionOne_GetsTheChunkTableAndKeepsItsSnapshots()
    {
        // A file as the code before chunks left it: version 1, no chunk table, a snapshot in it.
        await using (var old = CreateStore())
        {
            await old.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "kept"), Ct);
        }

        SqliteConnection.ClearAllPools();
        using (var raw = OpenRaw())
        {
            Scalar(raw, "DROP TABLE chunks");
            Scalar(raw, "PRAGMA user_version = 1");
        }

        await using var store = CreateStore();
        var sut = (ISnapshotStoreWithChunks)store;
        var (id, data) = NewChunk(new Random(1), 5000);

        await sut.PutChunkAsync("alpha", id, data, Ct);

        Assert.Equal(data, (await sut.ReadChunkAsync("alpha", id, Ct))!.Data);
        Assert.NotNull(await sut.ReadAsync("alpha", 1, Ct));
        Assert.Equal(2, await sut.AppendAsync("alpha", 1, seq => TestEnvelopes.Create("alpha", seq, "next"), Ct));
        using var check = OpenRaw();
        Assert.Equal((long)SqliteSnapshotStore.CurrentSchemaVersion, Scalar(check, "PRAGMA user_version"));
    }

    [Fact]
    public async Task PutChunk_StoredTime_HasTickPrecisionAndNeverMovesBack()
    {
        var start = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var store = CreateStore(time: time);
        var sut = (ISnapshotStoreWithChunks)store;
        var (id, data) = NewChunk(new Random(2), 100);

        await sut.PutChunkAsync("alpha", id, data, Ct);
        time.Advance(TimeSpan.FromTicks(1));
        await sut.PutChunkAsync("alpha", id, data, Ct);
        var again = (await sut.ReadChunkAsync("alpha", id, Ct))!.StoredUtc;

        // Another instance whose clock is an hour behind puts the same chunk: its time stays where it was.
        await using (var behind = CreateStore(time: new FakeTimeProvider(start.AddHours(-1))))
        {
            await ((ISnapshotStoreWithChunks)behind).PutChunkAsync("alpha", id, data, Ct);
        }

        Assert.Equal(start.AddTicks(1), again);
        Assert.Equal(again, (await sut.ReadChunkAsync("alpha", id, Ct))!.StoredUtc);
        Assert.False(await sut.DeleteChunkAsync("alpha", id, start.AddTicks(1), Ct));
        Assert.True(await sut.DeleteChunkAsync("alpha", id, start.AddTicks(2), Ct));
    }

    [Fact]
    public async Task DeleteChunk_ManyChunksPutAndDeleted_FileStaysCloseToTheLiveChunks()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var random = new Random(3);
        await using (var store = CreateStore(time: time))
        {
            var sut = (ISnapshotStoreWithChunks)store;
            var previous = new List<string>();
            for (var round = 0; round < 8; round++)
            {
                var current = new List<string>();
                for (var i = 0; i < 6; i++)
                {
                    var (id, data) = NewChunk(random, 100_000);
                    await sut.PutChunkAsync("alpha", id, data, Ct);
                    current.Add(id);
                }

                time.Advance(TimeSpan.FromSeconds(1));
                foreach (var id in previous)
                {
                    Assert.True(await sut.DeleteChunkAsync("alpha", id, time.GetUtcNow(), Ct));
                }

                previous = current;
            }
        }

        SqliteConnection.ClearAllPools();
        long live;
        using (var raw = OpenRaw())
        {
            live = (long)Scalar(raw, "SELECT sum(length(data)) FROM chunks")!;
            Scalar(raw, "PRAGMA wal_checkpoint(TRUNCATE)");
        }

        var size = new FileInfo(DatabasePath).Length;
        // Six live chunks; at its peak the file held twelve. Freed pages are given back once they are more than a quarter of
        // the file: allowed is a third over the live bytes, two 4 KiB pages per chunk and eight pages of schema. Without the
        // freed pages going back the file keeps its peak size (about twice the live data).
        Assert.Equal(6 * 100_000, live);
        var allowed = (live * 4 / 3) + (6 * 8 * 1024) + (32 * 1024);
        Assert.True(size <= allowed, $"database file {size} bytes for {live} bytes of live chunks (allowed {allowed})");
    }
}
