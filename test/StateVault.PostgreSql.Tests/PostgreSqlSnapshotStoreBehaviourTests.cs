using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using StateVault.Envelope;
using StateVault.Retention;
using StateVault.Storage;
using StateVault.StoreWorker;
using StateVault.TestKit;
using Xunit;

namespace StateVault.PostgreSql.Tests;

/// <summary>What the PostgreSQL store does beyond the shared conformance suite: schema, columns, errors and processes.</summary>
public sealed class PostgreSqlSnapshotStoreBehaviourTests : IAsyncLifetime
{
    private const string Secret = "N0t-In-Any-Message";

    private readonly string _schema = PostgresBackend.NewSchema();
    private readonly List<ISnapshotStore> _stores = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await PostgresBackend.DropSchemaAsync(_schema);
    }

    private ISnapshotStore CreateStore(TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        var store = PostgreSqlSnapshotStoreProvider.Create(PostgreSqlSnapshotStoreProvider.ParseUri(PostgresBackend.UriFor(_schema)), loggerFactory, time);
        _stores.Add(store);
        return store;
    }

    private string Table(string name) => $"\"{_schema}\".{name}";

    [Fact]
    public async Task FirstUse_NewSchema_CreatesVersionedTables()
    {
        var sut = CreateStore();

        Assert.Equal(0, await sut.GetLatestSequenceAsync("alpha", Ct));

        Assert.Equal(PostgreSqlSnapshotStore.CurrentSchemaVersion, await PostgresBackend.ScalarAsync($"SELECT max(version) FROM {Table("schema_version")}"));
        Assert.Equal(4L, await PostgresBackend.ScalarAsync(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = @s AND table_name IN ('systems', 'snapshots', 'quarantine', 'statevault_chunks')", ("s", _schema)));
    }

    [Fact]
    public async Task FirstUse_ManyInstancesOnANewSchemaAtOnce_AllSucceedAndMigrateOnce()
    {
        var stores = Enumerable.Range(0, 6).Select(_ => CreateStore()).ToList();

        var sequences = await Task.WhenAll(stores.Select((store, i) => Task.Run(() => store.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, $"{i}"), Ct), Ct)));

        Assert.Equal([1L, 2, 3, 4, 5, 6], sequences.Order());
        // Each version applied once.
        Assert.Equal((long)PostgreSqlSnapshotStore.CurrentSchemaVersion, await PostgresBackend.ScalarAsync($"SELECT count(*) FROM {Table("schema_version")}"));
    }

    [Fact]
    public async Task FirstUse_SchemaFromNewerVersion_FailsPermanentlyNamingTheVersion()
    {
        await PostgresBackend.ScalarAsync($"CREATE SCHEMA \"{_schema}\"; CREATE TABLE {Table("schema_version")} (version integer PRIMARY KEY, applied_utc timestamptz NOT NULL DEFAULT now()); INSERT INTO {Table("schema_version")} VALUES (99);");
        var sut = CreateStore();

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.GetLatestSequenceAsync("alpha", Ct));

        Assert.False(ex.IsTransient);
        Assert.Contains("schema version 99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_StoresEnvelopeUnchangedAsByteaWithHeaderColumns()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var sut = CreateStore(time);
        await using var vault = new SnapshotVault(sut, new SnapshotVaultOptions { Producer = "host/42" }, timeProvider: time);

        var saved = await vault.SaveJsonAsync("alpha", """{"v":1}"""u8.ToArray(), new SaveOptions { Tags = ["daily", "release"] }, Ct);

        var stored = await sut.ReadAsync("alpha", saved.Sequence, Ct);
        var header = SnapshotEnvelope.ReadHeader(stored);
        await using var connection = await PostgresBackend.OpenRawAsync();
        await using var command = new NpgsqlCommand($"SELECT created_utc, schema_version, state_type, codec, stored_length, raw_length, sha256, producer, tags, stored_utc, envelope FROM {Table("snapshots")} WHERE system = 'alpha' AND sequence = 1", connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal(time.GetUtcNow(), reader.GetFieldValue<DateTimeOffset>(0));
        Assert.Equal(header.SchemaVersion, reader.GetInt32(1));
        Assert.Equal(header.StateType, reader.GetString(2));
        Assert.Equal(header.Codec, reader.GetString(3));
        Assert.Equal(header.StoredLength, reader.GetInt64(4));
        Assert.Equal(header.RawLength, reader.GetInt64(5));
        Assert.Equal(header.Sha256, reader.GetString(6));
        Assert.Equal("host/42", reader.GetString(7));
        Assert.Equal(["daily", "release"], reader.GetFieldValue<string[]>(8));
        Assert.Equal(time.GetUtcNow(), reader.GetFieldValue<DateTimeOffset>(9));
        Assert.Equal(stored, reader.GetFieldValue<byte[]>(10));
    }

    [Fact]
    public async Task Import_EnvelopeWhoseHeaderDoesNotParse_IsStoredUnchangedWithEmptyHeaderColumns()
    {
        var sut = CreateStore();
        var garbage = Encoding.ASCII.GetBytes("not an envelope at all");

        Assert.True(await sut.ImportAsync("alpha", 3, EnvelopeBytes.FromArray(garbage), Ct));

        Assert.Equal(garbage, await sut.ReadAsync("alpha", 3, Ct));
        Assert.Equal(DBNull.Value, await PostgresBackend.ScalarAsync($"SELECT sha256 FROM {Table("snapshots")} WHERE system = 'alpha' AND sequence = 3"));
        Assert.Equal(3, await sut.GetLatestSequenceAsync("alpha", Ct));
    }

    [Fact]
    public async Task Quarantine_MovesTheRowWithItsReasonAndKeepsTheBytes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var sut = CreateStore(time);
        await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "1"), Ct);
        var original = await sut.ReadAsync("alpha", 1, Ct);

        Assert.True(await sut.QuarantineAsync("alpha", 1, "payload checksum mismatch", Ct));

        Assert.Null(await sut.ReadAsync("alpha", 1, Ct));
        Assert.False(await sut.QuarantineAsync("alpha", 1, "again", Ct));
        Assert.False(await sut.ImportAsync("alpha", 1, EnvelopeBytes.FromArray(original!), Ct));
        await using var connection = await PostgresBackend.OpenRawAsync();
        await using var command = new NpgsqlCommand($"SELECT reason, quarantined_utc, envelope FROM {Table("quarantine")} WHERE system = 'alpha' AND sequence = 1", connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal("payload checksum mismatch", reader.GetString(0));
        Assert.Equal(time.GetUtcNow(), reader.GetFieldValue<DateTimeOffset>(1));
        Assert.Equal(original, reader.GetFieldValue<byte[]>(2));
        Assert.False(await reader.ReadAsync(Ct));
    }

    [Fact]
    public async Task Append_RowWrittenPastTheMarkByOtherMeans_IsNeverOverwrittenOrReused()
    {
        var sut = CreateStore();
        await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "1"), Ct);
        var foreign = TestEnvelopes.Create("alpha", 5, "5").ToArray();
        await PostgresBackend.ScalarAsync(
            $"INSERT INTO {Table("snapshots")} (system, sequence, stored_utc, envelope) VALUES ('alpha', 5, now(), @e)", ("e", foreign));

        var conflict = await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => sut.AppendAsync("alpha", 1, seq => TestEnvelopes.Create("alpha", seq, "x"), Ct));
        var next = await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "6"), Ct);

        Assert.Equal(5, conflict.ActualSequence);
        Assert.Equal(6, next);
        Assert.Equal(foreign, await sut.ReadAsync("alpha", 5, Ct));
    }

    [Fact]
    public async Task Delete_EveryOneOfASystem_KeepsItListedAndItsNumbersReserved()
    {
        var sut = CreateStore();
        await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "1"), Ct);
        await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "2"), Ct);

        Assert.True(await sut.DeleteAsync("alpha", 1, Ct));
        Assert.True(await sut.DeleteAsync("alpha", 2, Ct));

        Assert.Equal(2, await sut.GetLatestSequenceAsync("alpha", Ct));
        Assert.Equal(["alpha"], await sut.ListSystemsAsync(Ct).ToListAsync(Ct));
        Assert.Equal(3, await sut.AppendAsync("alpha", 2, seq => TestEnvelopes.Create("alpha", seq, "3"), Ct));
    }

    [Fact]
    public async Task Append_FromSeveralOsProcessesOnOneSchema_NoDuplicateAndNoLoss()
    {
        const int Processes = 4;
        const int PerProcess = 30;
        string[] systems = ["alpha", "beta"];
        // The workers also open the new schema at the same moment, so they race on creating it too.
        await using var workers = await StoreWorkerGroup.StartAsync(PostgresBackend.UriFor(_schema), systems, Processes, PerProcess, Ct);

        var acks = await workers.RunAsync(TimeSpan.FromMinutes(2), Ct);

        Assert.Equal(Processes * PerProcess, acks.Count);
        var store = CreateStore();
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

        // Each version applied once.
        Assert.Equal((long)PostgreSqlSnapshotStore.CurrentSchemaVersion, await PostgresBackend.ScalarAsync($"SELECT count(*) FROM {Table("schema_version")}"));
    }

    [Fact]
    public async Task AnyOperation_NothingListensOnThePort_FailsTransientWithoutThePasswordInMessageOrLog()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var factory = new SnapshotStoreFactory([new PostgreSqlSnapshotStoreProvider()], loggerFactory);
        await using var sut = factory.Open($"postgresql://app:{Secret}@127.0.0.1:{port}/db?connect_timeout=2");

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "1"), Ct));

        Assert.True(ex.IsTransient);
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            Assert.DoesNotContain(Secret, e.Message, StringComparison.Ordinal);
        }

        Assert.NotEmpty(logs.Entries);
        Assert.DoesNotContain(logs.Entries, entry => entry.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddPostgreSqlSnapshotStore_ValidOptions_RegistersProviderOnceAndTheStore()
    {
        var options = PostgreSqlSnapshotStoreProvider.ParseUri(PostgresBackend.UriFor(_schema));
        var services = new ServiceCollection();
        services.AddPostgreSqlSnapshotStoreProvider();
        services.AddPostgreSqlSnapshotStore(o =>
        {
            o.ConnectionString = options.ConnectionString;
            o.Schema = options.Schema;
        });
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.IsType<PostgreSqlSnapshotStoreProvider>(Assert.Single(provider.GetServices<ISnapshotStoreProvider>()));
        var store = provider.GetRequiredService<ISnapshotStore>();
        Assert.Equal("postgresql", store.Kind);
        Assert.Equal(1, await store.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "1"), Ct));
    }

    [Fact]
    public async Task AddPostgreSqlSnapshotStore_InvalidOptions_FailsValidationOnStartWithoutThePassword()
    {
        var services = new ServiceCollection();
        services.AddPostgreSqlSnapshotStore(o =>
        {
            o.ConnectionString = $"Host=h;Password={Secret};Bogus Keyword=1";
            o.Schema = "Not Valid";
            o.CommandTimeout = TimeSpan.Zero;
        });
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(ex.Failures, f => f.Contains("ConnectionString", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("Schema", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("CommandTimeout", StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A save with retention is one transaction: what retention removes is deleted inside the append's transaction, invisible
    /// to other sessions until its commit, and rolled back with it. Never the new snapshot, nothing above it.
    /// </summary>
    [Fact]
    public async Task PruningAppend_DeletesInTheAppendsTransaction_AndRollsBackWithIt()
    {
        var sut = (PostgreSqlSnapshotStore)CreateStore();
        for (var i = 1; i <= 3; i++)
        {
            await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, $$"""{"v":{{seq}}}"""), Ct);
        }

        sut.BeforeAppendCommit = () => throw new InvalidOperationException("fails before the commit");
        await Assert.ThrowsAnyAsync<Exception>(() => sut.AppendAsync("alpha", 3, seq => TestEnvelopes.Create("alpha", seq, "{}"), [1L, 2L], Ct));
        Assert.Equal([1L, 2L, 3L], await sut.ListAsync("alpha", Ct).Select(r => r.Sequence).ToListAsync(Ct));

        var seenBeforeCommit = new List<long>();
        sut.BeforeAppendCommit = () =>
        {
            // Another session, inside the append's transaction: the deletes are not visible before the commit.
            using var other = PostgresBackend.OpenRawAsync().GetAwaiter().GetResult();
            using var command = new NpgsqlCommand($"SELECT sequence FROM {Table("snapshots")} WHERE system = 'alpha' ORDER BY sequence", other);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                seenBeforeCommit.Add(reader.GetInt64(0));
            }
        };
        var sequence = await sut.AppendAsync("alpha", 3, seq => TestEnvelopes.Create("alpha", seq, """{"v":4}"""), [1L, 2L, 4L, 9L], Ct);

        Assert.Equal(4, sequence);
        Assert.Equal([1L, 2L, 3L], seenBeforeCommit);
        Assert.Equal([3L, 4L], await sut.ListAsync("alpha", Ct).Select(r => r.Sequence).ToListAsync(Ct));
        Assert.Equal(4, await sut.GetLatestSequenceAsync("alpha", Ct));
    }

    /// <summary>
    /// The engine's plan is asked for before the append holds anything (no connection, no lock on the system's mark): the
    /// plan reads on pooled connections, and appends waiting for plans while holding connections could starve the pool.
    /// When asking fails, the append is still made, without deletes.
    /// </summary>
    [Fact]
    public async Task PruningAppend_AsksWhatToDeleteBeforeTakingTheLock_AndAppendsWithoutDeletesWhenAskingFails()
    {
        var sut = (PostgreSqlSnapshotStore)CreateStore();
        for (var i = 1; i <= 3; i++)
        {
            await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, $$"""{"v":{{seq}}}"""), Ct);
        }

        string? markLock = null;
        long? visibleLatest = null;
        var sequence = await ((ISnapshotStoreWithPruningAppend)sut).AppendAsync(
            "alpha",
            3,
            seq => TestEnvelopes.Create("alpha", seq, """{"v":4}"""),
            async ct =>
            {
                await using var other = await PostgresBackend.OpenRawAsync();
                await using (var latest = new NpgsqlCommand($"SELECT max(sequence) FROM {Table("snapshots")} WHERE system = 'alpha'", other))
                {
                    visibleLatest = (long)(await latest.ExecuteScalarAsync(ct))!;
                }

                try
                {
                    await using var take = new NpgsqlCommand($"SELECT high_water FROM {Table("systems")} WHERE system = 'alpha' FOR UPDATE NOWAIT", other);
                    await take.ExecuteScalarAsync(ct);
                    markLock = "free";
                }
                catch (PostgresException ex)
                {
                    markLock = ex.SqlState;
                }

                return [1L];
            },
            Ct);

        Assert.Equal(4, sequence);
        Assert.Equal("free", markLock);
        Assert.Equal(3, visibleLatest);
        Assert.Equal([2L, 3L, 4L], await sut.ListAsync("alpha", Ct).Select(r => r.Sequence).ToListAsync(Ct));

        sequence = await ((ISnapshotStoreWithPruningAppend)sut).AppendAsync(
            "alpha",
            4,
            seq => TestEnvelopes.Create("alpha", seq, """{"v":5}"""),
            _ => Task.FromException<IReadOnlyCollection<long>>(new InvalidOperationException("planning failed")),
            Ct);

        Assert.Equal(5, sequence);
        Assert.Equal([2L, 3L, 4L, 5L], await sut.ListAsync("alpha", Ct).Select(r => r.Sequence).ToListAsync(Ct));
    }

    /// <summary>PostgreSQL aborts a transaction on any error: a delete that fails must not cost the append.</summary>
    [Fact]
    public async Task PruningAppend_DeleteFails_TheAppendIsStoredWithoutIt()
    {
        var sut = (PostgreSqlSnapshotStore)CreateStore();
        await sut.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, """{"v":1}"""), Ct);
        await PostgresBackend.ScalarAsync($"""
            CREATE FUNCTION "{_schema}".refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no deletes here'; END $$;
            CREATE TRIGGER refuse BEFORE DELETE ON {Table("snapshots")} FOR EACH ROW EXECUTE FUNCTION "{_schema}".refuse();
            """);

        var sequence = await sut.AppendAsync("alpha", 1, seq => TestEnvelopes.Create("alpha", seq, """{"v":2}"""), [1L], Ct);

        Assert.Equal(2, sequence);
        Assert.Equal([1L, 2L], await sut.ListAsync("alpha", Ct).Select(r => r.Sequence).ToListAsync(Ct));
        Assert.Equal(2L, await PostgresBackend.ScalarAsync($"SELECT high_water FROM {Table("systems")} WHERE system = 'alpha'"));
    }

    /// <summary>A vault on PostgreSQL prunes in each save's own transaction, not in deletes of their own after it.</summary>
    [Fact]
    public async Task Vault_KeepLast2_PrunesInTheSavesTransaction()
    {
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var vault = new SnapshotVault(CreateStore(), new SnapshotVaultOptions { Retention = new RetentionPolicy { KeepLast = 2 } }, loggerFactory.CreateLogger<SnapshotVault>());

        for (var i = 1; i <= 5; i++)
        {
            await vault.SaveJsonAsync("alpha", Encoding.UTF8.GetBytes($$"""{"v":{{i}}}"""), cancellationToken: Ct);
        }

        Assert.Equal([4L, 5L], await _stores[^1].ListAsync("alpha", Ct).Select(r => r.Sequence).ToListAsync(Ct));
        var pruned = logs.Entries.Where(e => e.Contains("Pruned snapshot", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, pruned.Count);
        Assert.All(pruned, e => Assert.Contains("pruned in the save's commit", e, StringComparison.Ordinal));
    }

    /// <summary>
    /// More saves at once than the pool has connections: each plans retention (reads on pooled connections) before its
    /// append takes one, so no append holds a connection while waiting for a plan that waits for a connection. Every save
    /// completes and prunes in its own commit.
    /// </summary>
    [Fact]
    public async Task Vault_MoreSavesAtOnceThanPooledConnections_EachPrunesInItsCommit()
    {
        var options = PostgreSqlSnapshotStoreProvider.ParseUri(PostgresBackend.UriFor(_schema));
        // Two connections, and a wait for one that fails after two seconds instead of fifteen.
        options.ConnectionString += ";Maximum Pool Size=2;Timeout=2";
        var store = PostgreSqlSnapshotStoreProvider.Create(options);
        _stores.Add(store);
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { Retention = new RetentionPolicy { KeepLast = 2 } }, loggerFactory.CreateLogger<SnapshotVault>());

        await Task.WhenAll(Enumerable.Range(0, 6).Select(s => Task.Run(
            async () =>
            {
                for (var i = 1; i <= 4; i++)
                {
                    await vault.SaveJsonAsync($"s{s}", Encoding.UTF8.GetBytes($$"""{"v":{{i}}}"""), cancellationToken: Ct);
                }
            },
            Ct)));

        for (var s = 0; s < 6; s++)
        {
            Assert.Equal([3L, 4L], await store.ListAsync($"s{s}", Ct).Select(r => r.Sequence).ToListAsync(Ct));
        }

        var pruned = logs.Entries.Where(e => e.Contains("Pruned snapshot", StringComparison.Ordinal)).ToList();
        Assert.Equal(12, pruned.Count);
        Assert.All(pruned, e => Assert.Contains("pruned in the save's commit", e, StringComparison.Ordinal));
    }

    /// <summary>
    /// The COMMIT of an append succeeds but its reply is lost (the connection breaks right after): the vault's retry finds the
    /// committed snapshot by its writer token; exactly one row, acknowledged with its sequence, and no conflict for a CAS save.
    /// </summary>
    [Fact]
    public async Task Append_ReplyLostAfterCommit_VaultAcknowledgesTheCommittedSnapshotOnce()
    {
        var sut = (PostgreSqlSnapshotStore)CreateStore();
        var lose = 0;
        sut.AfterAppendCommit = () =>
        {
            if (Interlocked.Exchange(ref lose, 0) == 1)
            {
                throw new NpgsqlException("Exception while reading from stream", new IOException("Connection reset by peer after COMMIT"));
            }
        };
        await using var vault = new SnapshotVault(sut, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll, RetryBaseDelay = TimeSpan.Zero });

        lose = 1;
        var first = await vault.SaveJsonAsync("alpha", """{"v":1}"""u8.ToArray(), cancellationToken: Ct);
        lose = 1;
        var second = await vault.SaveJsonAsync("alpha", """{"v":2}"""u8.ToArray(), new SaveOptions { ExpectedLatestSequence = 1 }, Ct);

        Assert.Equal(1, first.Sequence);
        Assert.Equal(2, second.Sequence);
        Assert.Equal(0, lose);
        Assert.Equal(2L, await PostgresBackend.ScalarAsync($"SELECT count(*) FROM {Table("snapshots")} WHERE system = 'alpha'"));
        Assert.Equal(2L, await PostgresBackend.ScalarAsync($"SELECT high_water FROM {Table("systems")} WHERE system = 'alpha'"));
    }

    /// <summary>
    /// Forced contention between processes: one process stops inside an append, holding the store's lock; the others start
    /// saving and each must find the lock taken (it reports <c>blocked</c>) and acknowledge nothing until the holder commits.
    /// Then the holder has sequence 1 and the others every following number, once each.
    /// </summary>
    [Fact]
    public async Task Append_WhileAnotherProcessHoldsTheHighWaterRowLock_OtherProcessesWaitThenTakeTheFollowingSequences()
    {
        const int Contenders = 2;
        const int PerProcess = 5;
        var uri = PostgresBackend.UriFor(_schema);
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
            var store = CreateStore();
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

    private static (string Id, byte[] Data) NewChunk(int seed, int length)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), data);
    }

    [Fact]
    public async Task FirstUse_SchemaFromVersionOne_GetsTheChunkTableAndKeepsItsSnapshots()
    {
        // A schema as the code before chunks left it: version 1, no chunk table, a snapshot in it.
        var old = CreateStore();
        await old.AppendAsync("alpha", null, seq => TestEnvelopes.Create("alpha", seq, "kept"), Ct);
        await PostgresBackend.ScalarAsync($"DROP TABLE {Table("statevault_chunks")}; DELETE FROM {Table("schema_version")} WHERE version > 1;");
        var sut = (ISnapshotStoreWithChunks)CreateStore();
        var (id, data) = NewChunk(1, 5000);

        await sut.PutChunkAsync("alpha", id, data, Ct);

        Assert.Equal(data, (await sut.ReadChunkAsync("alpha", id, Ct))!.Data);
        Assert.NotNull(await sut.ReadAsync("alpha", 1, Ct));
        Assert.Equal(2, await sut.AppendAsync("alpha", 1, seq => TestEnvelopes.Create("alpha", seq, "next"), Ct));
        Assert.Equal(PostgreSqlSnapshotStore.CurrentSchemaVersion, await PostgresBackend.ScalarAsync($"SELECT max(version) FROM {Table("schema_version")}"));
    }

    [Fact]
    public async Task PutChunk_InstanceClockFarOff_StoredTimeIsTheServersAndMovesForward()
    {
        // The instance's clock is a year behind: the stored time must still be the server's, so every instance agrees.
        var sut = (ISnapshotStoreWithChunks)CreateStore(new FakeTimeProvider(DateTimeOffset.UtcNow.AddYears(-1)));
        var (id, data) = NewChunk(2, 100);
        await sut.GetLatestSequenceAsync("alpha", Ct);

        var before = (DateTime)(await PostgresBackend.ScalarAsync("SELECT clock_timestamp()"))!;
        await sut.PutChunkAsync("alpha", id, data, Ct);
        var first = (await sut.ReadChunkAsync("alpha", id, Ct))!.StoredUtc;
        await sut.PutChunkAsync("alpha", id, data, Ct);
        var second = (await sut.ReadChunkAsync("alpha", id, Ct))!.StoredUtc;
        var after = (DateTime)(await PostgresBackend.ScalarAsync("SELECT clock_timestamp()"))!;

        Assert.InRange(first.UtcDateTime, before, after);
        Assert.InRange(second.UtcDateTime, first.UtcDateTime.AddTicks(1), after);
    }

    [Fact]
    public async Task DeleteChunk_WhileAPutOfTheSameChunkHoldsItsRow_KeepsTheChunkPutAgain()
    {
        var sut = (ISnapshotStoreWithChunks)CreateStore();
        var (id, data) = NewChunk(3, 1000);
        await sut.PutChunkAsync("alpha", id, data, Ct);
        var stored = (await sut.ReadChunkAsync("alpha", id, Ct))!.StoredUtc;

        // Another instance re-puts the chunk (its stored time moves an hour on) and has not committed yet.
        await using var other = await PostgresBackend.OpenRawAsync();
        await using var transaction = await other.BeginTransactionAsync(Ct);
        await using (var reput = new NpgsqlCommand($"UPDATE {Table("statevault_chunks")} SET stored_utc = stored_utc + interval '1 hour' WHERE system = 'alpha' AND id = @id", other, transaction))
        {
            reput.Parameters.AddWithValue("id", id);
            Assert.Equal(1, await reput.ExecuteNonQueryAsync(Ct));
        }

        // The collection's cut-off is after the first put but before the re-put: it must wait, then keep the chunk.
        var delete = sut.DeleteChunkAsync("alpha", id, stored.AddMinutes(1), Ct);
        await Eventually.TrueAsync(
            async () => (long)(await PostgresBackend.ScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM %statevault_chunks%'"))! > 0,
            "the conditional delete waits for the re-put's row lock");
        await transaction.CommitAsync(Ct);

        Assert.False(await delete);
        Assert.Equal(data, (await sut.ReadChunkAsync("alpha", id, Ct))!.Data);
    }
}
