using System.Data;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using StateVault.Envelope;
using StateVault.Storage;

namespace StateVault.PostgreSql;

/// <summary>
/// Snapshots of every system in one PostgreSQL schema: the envelope bytes unchanged in a <c>bytea</c>, header columns
/// beside them for listing, a per-system high-water row so numbers are never reused, a quarantine table, and a chunk
/// table for chunked snapshots (<c>PostgreSqlSnapshotStore.Chunks.cs</c>).
/// </summary>
/// <remarks>
/// Sequence allocation locks the system's high-water row (<c>SELECT … FOR UPDATE</c>) for the length of the append
/// transaction, and the primary key on (system, sequence) backs it up: two processes or machines can never both commit
/// the same number. Should the key still reject a number (a row written past the mark by other means), an unconditional
/// append re-reads and tries the next one; a conditional append reports the conflict.
/// Connection loss, failover, server shutdown and timeouts surface as transient <see cref="SnapshotStoreException"/>s,
/// so the engine's retry policy applies.
/// </remarks>
internal sealed partial class PostgreSqlSnapshotStore : ISnapshotStoreWithPruningAppend, ISnapshotStoreWithChunks, ISnapshotStoreWithLatestRead
{
    /// <summary>The schema version this code writes (rows of <c>schema_version</c>).</summary>
    internal const int CurrentSchemaVersion = 2;

    private const int MaxAllocationAttempts = 5;
    private const string HeaderColumns = "created_utc, schema_version, state_type, codec, stored_length, raw_length, sha256, producer, tags";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly string _s; // the quoted schema name, safe to splice into SQL (validated identifier)
    private readonly string _endpoint;
    private readonly string? _password;
    private readonly long _migrationLockKey;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    public PostgreSqlSnapshotStore(PostgreSqlSnapshotStoreOptions options, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        PostgreSqlSnapshotStoreOptionsValidator.ThrowIfInvalid(options);
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString)
        {
            Timeout = (int)Math.Ceiling(options.ConnectTimeout.TotalSeconds),
            CommandTimeout = (int)Math.Ceiling(options.CommandTimeout.TotalSeconds),
        };
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "StateVault";
        }

        _password = string.IsNullOrEmpty(builder.Password) ? null : builder.Password;
        _endpoint = $"{builder.Host}:{builder.Port.ToString(CultureInfo.InvariantCulture)}/{builder.Database ?? builder.Username}";
        _schema = options.Schema;
        _s = "\"" + options.Schema + "\"";
        _migrationLockKey = BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("statevault.schema:" + options.Schema)), 0);
        _logger = loggerFactory.CreateLogger("StateVault.PostgreSql.PostgreSqlSnapshotStore");
        _time = timeProvider;
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).UseLoggerFactory(loggerFactory).Build();
    }

    /// <summary>
    /// Test seam: runs right after an append's COMMIT returned, inside the store's error handling, so a fault thrown here
    /// is exactly a reply lost after the commit (the snapshot is stored; the caller hears of a failure).
    /// </summary>
    internal Action? AfterAppendCommit { get; set; }

    /// <summary>Test seam: runs right before an append's COMMIT, inside its transaction (a fault here rolls it back).</summary>
    internal Action? BeforeAppendCommit { get; set; }

    public string Kind => "postgresql";

    public SnapshotStoreCapabilities Capabilities { get; } = new(SupportsMultipleProcesses: true, SupportsQuarantine: true, SupportsLargePayloads: true);

    public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken) =>
        AppendCoreAsync(system, expectedLatestSequence, createEnvelope, deleteOlder: null, cancellationToken);

    /// <summary>
    /// Appends and deletes what retention removes in the same transaction: one commit (one WAL flush) per save instead of
    /// one more per pruned snapshot, and no delete is ever durable without the append. Sequences at or above the new one, or
    /// already gone, are left alone. Should the delete fail, the append is made again without it: PostgreSQL aborts the
    /// whole transaction on an error, and a stored snapshot must not fail because a prune did.
    /// </summary>
    public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, IReadOnlyCollection<long> deleteOlder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deleteOlder);
        return AppendCoreAsync(system, expectedLatestSequence, createEnvelope, deleteOlder, cancellationToken);
    }

    /// <summary>
    /// As the other pruning append, asking what to delete first, before the append takes a connection and the system's
    /// lock. Not inside the transaction: the engine's plan reads on other pooled connections, and an append holding its
    /// connection while waiting for them could exhaust the pool with enough saves at once (each waiting for connections
    /// the others hold). When asking fails, the append is made without deletes.
    /// </summary>
    public async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, Func<CancellationToken, Task<IReadOnlyCollection<long>>> deleteOlder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deleteOlder);
        IReadOnlyCollection<long> older;
        try
        {
            older = await deleteOlder(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            older = []; // the plan's failure is the caller's to hear of (it awaits the same task); the append stands
        }

        return await AppendCoreAsync(system, expectedLatestSequence, createEnvelope, older, cancellationToken).ConfigureAwait(false);
    }

    private Task<long> AppendCoreAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, IReadOnlyCollection<long>? deleteOlder, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ArgumentNullException.ThrowIfNull(createEnvelope);
        if (expectedLatestSequence is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(expectedLatestSequence), expectedLatestSequence, "The expected latest sequence is 0 (no snapshot yet) or more.");
        }

        return RunAsync("append", system, async ct =>
        {
            for (var attempt = 1; ; attempt++)
            {
                var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        var latest = await LockHighWaterAsync(connection, transaction, system, ct).ConfigureAwait(false);
                        if (expectedLatestSequence is { } expected && expected != latest)
                        {
                            throw new SnapshotConcurrencyException(system, expected, latest);
                        }

                        var sequence = latest + 1;
                        try
                        {
                            await InsertAsync(connection, transaction, system, sequence, createEnvelope(sequence), ct).ConfigureAwait(false);
                        }
                        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
                        {
                            // Someone else holds this number although the mark did not say so. With an expected
                            // sequence that is a lost race; without one, re-read (the mark now counts the rows) and retry.
                            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                            var actual = await GetLatestCoreAsync(system, ct).ConfigureAwait(false);
                            if (expectedLatestSequence is { } lost)
                            {
                                throw new SnapshotConcurrencyException(system, lost, actual);
                            }

                            Log.SequenceTaken(_logger, system, sequence, attempt);
                            if (attempt >= MaxAllocationAttempts)
                            {
                                throw new SnapshotStoreException($"PostgreSQL append of '{system}' on {_endpoint} found sequence {sequence} taken {attempt} times in a row.", isTransient: true, ex);
                            }

                            continue;
                        }

                        await SetHighWaterAsync(connection, transaction, system, sequence, ct).ConfigureAwait(false);
                        var older = deleteOlder?.Where(old => old < sequence).Distinct().ToArray();
                        if (older is { Length: > 0 })
                        {
                            try
                            {
                                await DeleteInAppendAsync(connection, transaction, system, older, ct).ConfigureAwait(false);
                            }
                            catch (PostgresException ex)
                            {
                                // The transaction is aborted with it: append again, without the prune (the next save redoes it).
                                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                                Log.PruneInAppendFailed(_logger, system, ex.SqlState);
                                deleteOlder = null;
                                continue;
                            }
                        }

                        ct.ThrowIfCancellationRequested();
                        BeforeAppendCommit?.Invoke();
                        // Past this point the outcome is the server's: never abandon a commit halfway.
                        await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                        AfterAppendCommit?.Invoke();
                        return sequence;
                    }
                }
            }
        }, cancellationToken);
    }

    public Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        // The whole range, as every store: a number past SnapshotSequence.MaxValue would leave the system unable to append.
        SnapshotSequence.Validate(sequence);
        return RunAsync("import", system, async ct =>
        {
            var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    // Serialized with appends of the same system by the high-water row lock.
                    await LockHighWaterAsync(connection, transaction, system, ct).ConfigureAwait(false);
                    await using (var exists = Command(connection, transaction, $"""
                        SELECT EXISTS (SELECT 1 FROM {_s}.snapshots WHERE system = @system AND sequence = @sequence)
                            OR EXISTS (SELECT 1 FROM {_s}.quarantine WHERE system = @system AND sequence = @sequence)
                        """, system, sequence))
                    {
                        if ((bool)(await exists.ExecuteScalarAsync(ct).ConfigureAwait(false))!)
                        {
                            return false;
                        }
                    }

                    await InsertAsync(connection, transaction, system, sequence, envelope, ct).ConfigureAwait(false);
                    await SetHighWaterAsync(connection, transaction, system, sequence, ct).ConfigureAwait(false);
                    ct.ThrowIfCancellationRequested();
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    return true;
                }
            }
        }, cancellationToken);
    }

    public Task<LatestSnapshot?> ReadLatestAsync(string system, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        return RunAsync<LatestSnapshot?>("read", system, async ct =>
        {
            // One round trip: the newest row's key from the primary key index, and its envelope.
            await using var command = _dataSource.CreateCommand($"SELECT sequence, envelope FROM {_s}.snapshots WHERE system = @system ORDER BY sequence DESC LIMIT 1");
            command.Parameters.Add(new NpgsqlParameter<string>("system", system));
            var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    return null;
                }

                var sequence = await reader.GetFieldValueAsync<long>(0, ct).ConfigureAwait(false);
                return new LatestSnapshot(sequence, await reader.GetFieldValueAsync<byte[]>(1, ct).ConfigureAwait(false));
            }
        }, cancellationToken);
    }

    public Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        return RunAsync<byte[]?>("read", system, async ct =>
        {
            await using var command = _dataSource.CreateCommand($"SELECT envelope FROM {_s}.snapshots WHERE system = @system AND sequence = @sequence");
            AddKey(command, system, sequence);
            // Sequential access reads the bytea straight into the result instead of buffering the row first.
            var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(ct).ConfigureAwait(false)
                    ? await reader.GetFieldValueAsync<byte[]>(0, ct).ConfigureAwait(false)
                    : null;
            }
        }, cancellationToken);
    }

    public async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var refs = await RunAsync("list", system, async ct =>
        {
            var list = new List<StoredSnapshotRef>();
            // octet_length reads the TOAST pointer's size, not the value.
            await using var command = _dataSource.CreateCommand($"SELECT sequence, octet_length(envelope) FROM {_s}.snapshots WHERE system = @system ORDER BY sequence");
            command.Parameters.Add(new NpgsqlParameter<string>("system", system));
            var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    list.Add(new StoredSnapshotRef(reader.GetInt64(0), reader.GetInt32(1)));
                }
            }

            return list;
        }, cancellationToken).ConfigureAwait(false);

        foreach (var item in refs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }
    }

    public Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        return RunAsync("latest", system, ct => GetLatestCoreAsync(system, ct), cancellationToken);
    }

    /// <summary>Deletes snapshots of <paramref name="system"/> inside an append's transaction, which already set the mark above them.</summary>
    private async Task DeleteInAppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string system, long[] sequences, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"DELETE FROM {_s}.snapshots WHERE system = @system AND sequence = ANY(@sequences)", system);
        command.Parameters.Add(new NpgsqlParameter<long[]>("sequences", sequences));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        return RunAsync("delete", system, async ct =>
        {
            // One statement, so one atomic step: the row goes and the mark keeps its number (it already does for every
            // number this store allocated; this also covers rows written by other means).
            await using var command = _dataSource.CreateCommand($"""
                WITH deleted AS (
                    DELETE FROM {_s}.snapshots WHERE system = @system AND sequence = @sequence RETURNING system, sequence
                ), mark AS (
                    INSERT INTO {_s}.systems AS s (system, high_water) SELECT system, sequence FROM deleted
                    ON CONFLICT (system) DO UPDATE SET high_water = GREATEST(s.high_water, excluded.high_water)
                )
                SELECT count(*) FROM deleted
                """);
            AddKey(command, system, sequence);
            return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))! > 0;
        }, cancellationToken);
    }

    public Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ArgumentNullException.ThrowIfNull(reason);
        return RunAsync("quarantine", system, async ct =>
        {
            await using var command = _dataSource.CreateCommand($"""
                WITH moved AS (
                    DELETE FROM {_s}.snapshots WHERE system = @system AND sequence = @sequence
                    RETURNING system, sequence, {HeaderColumns}, stored_utc, envelope
                ), kept AS (
                    INSERT INTO {_s}.quarantine (system, sequence, quarantined_utc, reason, {HeaderColumns}, stored_utc, envelope)
                    SELECT system, sequence, @now, @reason, {HeaderColumns}, stored_utc, envelope FROM moved
                ), mark AS (
                    INSERT INTO {_s}.systems AS s (system, high_water) SELECT system, sequence FROM moved
                    ON CONFLICT (system) DO UPDATE SET high_water = GREATEST(s.high_water, excluded.high_water)
                )
                SELECT count(*) FROM moved
                """);
            AddKey(command, system, sequence);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", _time.GetUtcNow().ToUniversalTime()));
            command.Parameters.Add(new NpgsqlParameter<string>("reason", reason));
            var moved = (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))! > 0;
            if (moved)
            {
                Log.Quarantined(_logger, system, sequence, reason);
            }

            return moved;
        }, cancellationToken);
    }

    public async IAsyncEnumerable<string> ListSystemsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var systems = await RunAsync("list systems", "*", async ct =>
        {
            var list = new List<string>();
            await using var command = _dataSource.CreateCommand($"""SELECT system FROM {_s}.systems WHERE high_water > 0 ORDER BY system COLLATE "C" """);
            var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    var name = reader.GetString(0);
                    if (SystemName.IsValid(name))
                    {
                        list.Add(name);
                    }
                }
            }

            return list;
        }, cancellationToken).ConfigureAwait(false);

        foreach (var name in systems)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return name;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _schemaGate.Dispose();
    }

    /// <summary>Whether a failure may go away on its own: connection loss, failover, shutdown, timeouts, lock conflicts.</summary>
    internal static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException pg => pg.IsTransient
            || pg.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
            || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
                or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is { } inner && IsTransient(inner),
        IOException or SocketException or TimeoutException => true,
        _ => false,
    };

    private async Task<T> RunAsync<T>(string operation, string system, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            return await action(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or SocketException or TimeoutException)
        {
            if (ex.InnerException is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            var transient = IsTransient(ex);
            if (transient)
            {
                // After a restart or failover the idle connections in the pool are dead; drop them so the retry
                // opens a fresh one instead of failing on the next stale connection.
                _dataSource.Clear();
            }

            var sqlState = (ex as PostgresException)?.SqlState ?? (ex.InnerException as PostgresException)?.SqlState ?? "-";
            Log.OperationFailed(_logger, operation, system, _endpoint, transient, sqlState, ex);
            throw new SnapshotStoreException(Scrub($"PostgreSQL {operation} of '{system}' on {_endpoint} failed: {Describe(ex)}"), transient, ex);
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        PostgresException pg => $"{pg.MessageText} (SQLSTATE {pg.SqlState})",
        NpgsqlException { InnerException: { } inner } npgsql when inner is not PostgresException => $"{npgsql.Message} ({inner.Message})",
        _ => ex.Message,
    };

    /// <summary>Defence in depth: no server or driver message is expected to carry the password, but none ever will.</summary>
    private string Scrub(string message) => _password is null ? message : message.Replace(_password, "***", StringComparison.Ordinal);

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // Fast path without DDL: a user that may not create schemas can still use one that is up to date.
                var version = await ReadSchemaVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
                if (version != CurrentSchemaVersion)
                {
                    await MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
                }
            }

            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private async Task MigrateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            // Every instance that finds the schema missing or old queues here; the first applies the migrations, the
            // others then find them applied. The lock ends with the transaction.
            await using (var lockCommand = Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)"))
            {
                lockCommand.Parameters.Add(new NpgsqlParameter<long>("key", _migrationLockKey));
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var create = Command(connection, transaction, $"""
                CREATE SCHEMA IF NOT EXISTS {_s};
                CREATE TABLE IF NOT EXISTS {_s}.schema_version (
                    version     integer     PRIMARY KEY,
                    applied_utc timestamptz NOT NULL DEFAULT now()
                );
                """))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var version = await ReadSchemaVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (version > CurrentSchemaVersion)
            {
                throw new SnapshotStoreException(
                    $"PostgreSQL schema {_schema} on {_endpoint} has schema version {version}; this StateVault knows up to {CurrentSchemaVersion}. Use a newer StateVault.",
                    isTransient: false);
            }

            for (var next = version + 1; next <= CurrentSchemaVersion; next++)
            {
                await using var migrate = Command(connection, transaction, Migration(next));
                await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await using var stamp = Command(connection, transaction, $"INSERT INTO {_s}.schema_version (version) VALUES (@version)");
                stamp.Parameters.Add(new NpgsqlParameter<int>("version", next));
                await stamp.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            if (version < CurrentSchemaVersion)
            {
                Log.SchemaUpgraded(_logger, _schema, _endpoint, version, CurrentSchemaVersion);
            }
        }
    }

    private string Migration(int version) => version switch
    {
        1 => $"""
            CREATE TABLE {_s}.systems (
                system      text    PRIMARY KEY,
                high_water  bigint  NOT NULL CHECK (high_water >= 0)
            );
            CREATE TABLE {_s}.snapshots (
                system          text        NOT NULL,
                sequence        bigint      NOT NULL CHECK (sequence >= 1),
                created_utc     timestamptz,
                schema_version  integer,
                state_type      text,
                codec           text,
                stored_length   bigint,
                raw_length      bigint,
                sha256          text,
                producer        text,
                tags            text[],
                stored_utc      timestamptz NOT NULL,
                envelope        bytea       NOT NULL,
                PRIMARY KEY (system, sequence)
            );
            CREATE TABLE {_s}.quarantine (
                id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                system          text        NOT NULL,
                sequence        bigint      NOT NULL,
                quarantined_utc timestamptz NOT NULL,
                reason          text        NOT NULL,
                created_utc     timestamptz,
                schema_version  integer,
                state_type      text,
                codec           text,
                stored_length   bigint,
                raw_length      bigint,
                sha256          text,
                producer        text,
                tags            text[],
                stored_utc      timestamptz NOT NULL,
                envelope        bytea       NOT NULL
            );
            CREATE INDEX quarantine_system_sequence ON {_s}.quarantine (system, sequence);
            """,

        // Chunks of chunked snapshots, one namespace per system. stored_utc is set by the server (clock_timestamp()), so
        // every instance's collection compares against one clock.
        2 => $"""
            CREATE TABLE {_s}.statevault_chunks (
                system      text        NOT NULL,
                id          text        NOT NULL,
                stored_utc  timestamptz NOT NULL,
                data        bytea       NOT NULL,
                PRIMARY KEY (system, id)
            );
            """,
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "No such schema version."),
    };

    private async Task<int> ReadSchemaVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using (var exists = Command(connection, transaction, "SELECT to_regclass(@table) IS NOT NULL"))
        {
            exists.Parameters.Add(new NpgsqlParameter<string>("table", _s + ".schema_version"));
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return 0;
            }
        }

        await using var read = Command(connection, transaction, $"SELECT coalesce(max(version), 0) FROM {_s}.schema_version");
        return (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Locks the system's high-water row (creating it at 0 if needed) and returns the latest allocated sequence.</summary>
    private async Task<long> LockHighWaterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string system, CancellationToken cancellationToken)
    {
        for (var pass = 0; ; pass++)
        {
            // The row maxima only matter for rows written past the mark by other means; the mark is authoritative.
            await using (var select = Command(connection, transaction, $"""
                SELECT GREATEST(
                    h.high_water,
                    (SELECT max(sequence) FROM {_s}.snapshots WHERE system = @system),
                    (SELECT max(sequence) FROM {_s}.quarantine WHERE system = @system))
                FROM {_s}.systems h WHERE h.system = @system
                FOR UPDATE OF h
                """, system))
            {
                if (await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long latest)
                {
                    return latest;
                }
            }

            if (pass > 0)
            {
                throw new SnapshotStoreException($"PostgreSQL high-water row of '{system}' on {_endpoint} vanished while appending.", isTransient: true);
            }

            // First snapshot of this system: a concurrent creator makes us wait for its commit, then we lock its row.
            await using var create = Command(connection, transaction, $"INSERT INTO {_s}.systems (system, high_water) VALUES (@system, 0) ON CONFLICT (system) DO NOTHING", system);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SetHighWaterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string system, long sequence, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"UPDATE {_s}.systems SET high_water = GREATEST(high_water, @sequence) WHERE system = @system", system, sequence);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> GetLatestCoreAsync(string system, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"""
            SELECT GREATEST(
                (SELECT high_water FROM {_s}.systems WHERE system = @system),
                (SELECT max(sequence) FROM {_s}.snapshots WHERE system = @system),
                (SELECT max(sequence) FROM {_s}.quarantine WHERE system = @system),
                0)
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("system", system));
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken)
    {
        // Stored unchanged even when the head does not parse: integrity is the engine's verdict, the columns only help listing.
        var header = SnapshotEnvelope.TryReadHeader(envelope);
        // Head and payload go as two parameters and are joined by the server: a 64 MiB envelope is never copied into one buffer here.
        await using var insert = Command(connection, transaction, $"""
            INSERT INTO {_s}.snapshots (system, sequence, {HeaderColumns}, stored_utc, envelope)
            VALUES (@system, @sequence, @created, @schema, @type, @codec, @stored, @raw, @sha, @producer, @tags, @now, @head || @payload)
            """, system, sequence);
        insert.Parameters.Add(new NpgsqlParameter("created", NpgsqlDbType.TimestampTz) { Value = header is null ? DBNull.Value : header.CreatedUtc.ToUniversalTime() });
        insert.Parameters.Add(new NpgsqlParameter("schema", NpgsqlDbType.Integer) { Value = (object?)header?.SchemaVersion ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter("type", NpgsqlDbType.Text) { Value = (object?)header?.StateType ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter("codec", NpgsqlDbType.Text) { Value = (object?)header?.Codec ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter("stored", NpgsqlDbType.Bigint) { Value = (object?)header?.StoredLength ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter("raw", NpgsqlDbType.Bigint) { Value = (object?)header?.RawLength ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter("sha", NpgsqlDbType.Text) { Value = (object?)header?.Sha256 ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter("producer", NpgsqlDbType.Text) { Value = (object?)header?.Producer ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter("tags", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = header is null ? DBNull.Value : header.Tags.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", _time.GetUtcNow().ToUniversalTime()));
        insert.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("head", NpgsqlDbType.Bytea) { TypedValue = envelope.Head });
        insert.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("payload", NpgsqlDbType.Bytea) { TypedValue = envelope.Payload });
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, string? system = null, long? sequence = null)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        if (system is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("system", system));
        }

        if (sequence is { } value)
        {
            command.Parameters.Add(new NpgsqlParameter<long>("sequence", value));
        }

        return command;
    }

    private static void AddKey(NpgsqlCommand command, string system, long sequence)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("system", system));
        command.Parameters.Add(new NpgsqlParameter<long>("sequence", sequence));
    }
}
