using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using StateVault.Envelope;
using StateVault.Storage;

namespace StateVault.Sqlite;

/// <summary>
/// Snapshots of every system in one SQLite file: the envelope bytes unchanged in a BLOB, header columns beside them for
/// listing with ordinary SQL tools, a per-system high-water mark raised whenever a row leaves (with the rows, it keeps
/// numbers from being reused; an append writes its own row alone), a quarantine table, and a
/// chunk table for chunked snapshots (<c>SqliteSnapshotStore.Chunks.cs</c>).
/// </summary>
/// <remarks>
/// The file runs in WAL mode with <c>synchronous=FULL</c>, so a commit is on disk before the append returns.
/// Every write is one <c>BEGIN IMMEDIATE</c> transaction: the write lock is taken before the high-water mark is read,
/// so two connections, in this process or another, can never allocate the same sequence. A semaphore keeps this
/// process's writers from spinning on SQLite's busy handler against each other.
/// </remarks>
internal sealed partial class SqliteSnapshotStore : ISnapshotStoreWithListingAppend, ISnapshotStoreWithBatchRead, ISnapshotStoreWithChunks, ISnapshotStoreWithLatestRead
{
    /// <summary>The schema version this code writes (<c>PRAGMA user_version</c>).</summary>
    internal const int CurrentSchemaVersion = 2;

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    // Header columns come first and the envelope last: SQLite then reads listings without touching overflow pages.
    /// <summary>A system's latest sequence ($system): the newest row, or the mark a delete or quarantine raised.</summary>
    private const string LatestSequenceExpression = """
        max(
            coalesce((SELECT high_water FROM systems WHERE system = $system), 0),
            coalesce((SELECT max(sequence) FROM snapshots WHERE system = $system), 0),
            coalesce((SELECT max(sequence) FROM quarantine WHERE system = $system), 0))
        """;

    private const string HeaderColumns = "created_utc, schema_version, state_type, codec, stored_length, raw_length, sha256, producer, tags";

    private static readonly string[] s_migrations =
    [
        // Version 1.
        $"""
        CREATE TABLE IF NOT EXISTS systems (
            system      TEXT    NOT NULL PRIMARY KEY,
            high_water  INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS snapshots (
            system          TEXT    NOT NULL,
            sequence        INTEGER NOT NULL,
            created_utc     TEXT,
            schema_version  INTEGER,
            state_type      TEXT,
            codec           TEXT,
            stored_length   INTEGER,
            raw_length      INTEGER,
            sha256          TEXT,
            producer        TEXT,
            tags            TEXT,
            stored_utc      TEXT    NOT NULL,
            envelope        BLOB    NOT NULL,
            PRIMARY KEY (system, sequence)
        );
        CREATE TABLE IF NOT EXISTS quarantine (
            id              INTEGER PRIMARY KEY,
            system          TEXT    NOT NULL,
            sequence        INTEGER NOT NULL,
            quarantined_utc TEXT    NOT NULL,
            reason          TEXT    NOT NULL,
            created_utc     TEXT,
            schema_version  INTEGER,
            state_type      TEXT,
            codec           TEXT,
            stored_length   INTEGER,
            raw_length      INTEGER,
            sha256          TEXT,
            producer        TEXT,
            tags            TEXT,
            stored_utc      TEXT    NOT NULL,
            envelope        BLOB    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS quarantine_system_sequence ON quarantine (system, sequence);
        """,

        // Version 2: content-addressed chunks of chunked snapshots, one namespace per system. A rowid table (not WITHOUT
        // ROWID) so a chunk's BLOB can be streamed in and out like an envelope. stored_utc is UTC ticks: exact enough
        // that a put after a collection's cut-off is never rounded to before it.
        """
        CREATE TABLE IF NOT EXISTS chunks (
            system      TEXT    NOT NULL,
            id          TEXT    NOT NULL,
            stored_utc  INTEGER NOT NULL,
            data        BLOB    NOT NULL,
            PRIMARY KEY (system, id)
        );
        """,
    ];

    // Up to this size an envelope is read as a column value in one statement; larger ones are streamed from their BLOB.
    private const int SmallReadBytes = 1024 * 1024;

    // Bounds of one ReadManyAsync: parameters in one statement, and bytes held at once.
    private const int MaxBatchSequences = 256;
    private const long MaxBatchBytes = 16L * 1024 * 1024;

    /// <summary>The SQL function <see cref="ListAndReadAsync"/> asks per row whether to return its envelope.</summary>
    private const string WantedFunction = "statevault_wanted";

    private readonly string _connectionString;
    private readonly string _databaseName;
    private readonly int _busyTimeoutMilliseconds;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly string _writerConnectionString;
    // Every write goes through one connection, under _writeGate: opened once (not pooled, its settings made once), and
    // every statement on it prepared once and reused (see Command). Dropped after a failure (closing it rolls back
    // whatever was open), and opened again by the next write.
    private SqliteConnection? _writer;
    private int _disposed;
    private readonly Dictionary<string, ReusedCommand> _writerCommands = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    // Retention's listing (ListAndReadAsync) runs on a connection of its own, one call at a time, under _listerGate.
    private readonly SemaphoreSlim _listerGate = new(1, 1);
    private SqliteConnection? _lister;
    private ReusedCommand? _listAndRead;
    private BatchBounds? _batch;
    private volatile bool _schemaReady;
    private long _committedWrites;
    private long _listingsInAppend;
    private long _envelopesReadInAppend;
    private long _listerListings;
    private long _pooledReads;
    // The change epoch (AppendListing.ChangeEpoch), under _writeGate: a new one whenever the writer's data_version (which
    // another connection's commit moves, and its own never does) differs from the last append's, or the writer is new.
    private long _changeEpoch;
    private SqliteConnection? _epochWriter;
    private long _epochDataVersion;

    public SqliteSnapshotStore(SqliteSnapshotStoreOptions options, ILogger logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        SqliteSnapshotStoreOptionsValidator.ThrowIfInvalid(options);
        DatabasePath = Path.GetFullPath(options.DatabasePath);
        _databaseName = Path.GetFileName(DatabasePath);
        _busyTimeoutMilliseconds = (int)Math.Ceiling(options.BusyTimeout.TotalMilliseconds);
        _logger = logger;
        _time = timeProvider;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            // Microsoft.Data.Sqlite retries a busy statement until the command timeout; keep it in step with busy_timeout.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();
        _writerConnectionString = new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString();
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    public string Kind => "sqlite";

    /// <summary>Write transactions this instance committed (each one durable commit): the count a save's cost is checked by.</summary>
    internal long CommittedWrites => Interlocked.Read(ref _committedWrites);

    /// <summary>Listings made inside an append's transaction for its plan (<see cref="AppendPlannedAsync"/>).</summary>
    internal long ListingsInAppend => Interlocked.Read(ref _listingsInAppend);

    /// <summary>Envelopes a plan inside an append asked for (<see cref="AppendListing.Read"/>), listed with it or read on their own.</summary>
    internal long EnvelopesReadInAppend => Interlocked.Read(ref _envelopesReadInAppend);

    /// <summary>Reads that ran on a pooled connection (not on the writer or the lister).</summary>
    internal long PooledReads => Interlocked.Read(ref _pooledReads);

    /// <summary>Retention's listings on the lister connection (<see cref="ListAndReadAsync"/>).</summary>
    internal long ListerListings => Interlocked.Read(ref _listerListings);

    public SnapshotStoreCapabilities Capabilities { get; } = new(SupportsMultipleProcesses: true, SupportsQuarantine: true, SupportsLargePayloads: true) { CompressionPays = false };

    public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken) =>
        AppendAsync(system, expectedLatestSequence, createEnvelope, [], cancellationToken);

    public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, IReadOnlyCollection<long> deleteOlder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deleteOlder);
        return AppendAsync(system, expectedLatestSequence, createEnvelope, _ => Task.FromResult(deleteOlder), cancellationToken);
    }

    /// <summary>
    /// Appends and deletes what retention removes in one commit. The sequences to delete are asked for under the write lock,
    /// once the new sequence is allocated (see <see cref="AppendCoreAsync"/>): an answer already there (the engine's re-check
    /// of the snapshots it keeps started before the save serialized its state) lets the new snapshot take a leaving one's row;
    /// otherwise the new row is inserted while the engine's re-check still reads on other connections.
    /// </summary>
    public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, Func<CancellationToken, Task<IReadOnlyCollection<long>>> deleteOlder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deleteOlder);
        return AppendCoreAsync(system, expectedLatestSequence, createEnvelope, listForPlan: false, (_, _, _, _, _, ct) => deleteOlder(ct), cancellationToken);
    }

    /// <summary>
    /// Appends and deletes what <paramref name="planDeletes"/> returns in one commit. The system is listed in the statement
    /// that reads the latest sequence, under the write lock (BEGIN IMMEDIATE), so the listing plus the new snapshot is exact;
    /// the plan is asked before the new row is written, on the writer inside the transaction, and costs no read on another
    /// connection. The plan reads an envelope only when it asks for one (within one change epoch it asks for none); the new
    /// one, not written yet, it gets from memory.
    /// </summary>
    public Task<long> AppendPlannedAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, Func<AppendListing, IReadOnlyCollection<long>?> planDeletes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planDeletes);
        return AppendCoreAsync(
            system,
            expectedLatestSequence,
            createEnvelope,
            listForPlan: true,
            (connection, system, sequence, envelope, listed, ct) =>
            {
                Interlocked.Increment(ref _listingsInAppend);
                IReadOnlyCollection<long> deletes = planDeletes(new AppendListing(sequence, listed!, old =>
                {
                    if (old == sequence)
                    {
                        return envelope.ToArray(); // the new snapshot: what a read after the commit returns
                    }

                    Interlocked.Increment(ref _envelopesReadInAppend);
                    using var read = Command(connection, null, "SELECT envelope FROM snapshots WHERE system = $system AND sequence = $sequence", system, old);
                    return read.ExecuteScalar() is byte[] bytes ? bytes : null;
                }, _changeEpoch)) ?? [];
                return Task.FromResult(deletes);
            },
            cancellationToken);
    }

    /// <param name="system">The system.</param>
    /// <param name="expectedLatestSequence">As for <see cref="ISnapshotStore.AppendAsync"/>.</param>
    /// <param name="createEnvelope">As for <see cref="ISnapshotStore.AppendAsync"/>.</param>
    /// <param name="listForPlan">Whether the system is listed (in the statement that reads the latest sequence) for
    /// <paramref name="deleteOlder"/>.</param>
    /// <param name="deleteOlder">Asked inside the transaction, before the new row is written (the writer, the system, the new
    /// sequence and its envelope, and with <paramref name="listForPlan"/> the system's snapshots in ascending order, the new
    /// one included); awaited after the row is written when its task has not completed by then.</param>
    /// <param name="cancellationToken">Cancellation, before the commit.</param>
    private Task<long> AppendCoreAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, bool listForPlan, Func<SqliteConnection, string, long, EnvelopeBytes, List<StoredSnapshotRef>?, CancellationToken, Task<IReadOnlyCollection<long>>> deleteOlder, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ArgumentNullException.ThrowIfNull(createEnvelope);
        if (expectedLatestSequence is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(expectedLatestSequence), expectedLatestSequence, "The expected latest sequence is 0 (no snapshot yet) or more.");
        }

        return RunAsync("append", system, write: true, async (connection, ct) =>
        {
            // BEGIN IMMEDIATE: the write lock is held before the high-water mark is read, so no other connection or
            // process can allocate the same number between our read and our commit. The transaction is begun and ended
            // by statements prepared once on the writer (the transaction API prepares its BEGIN and COMMIT every time).
            using (var begin = Command(connection, null, "BEGIN IMMEDIATE"))
            {
                await begin.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            try
            {
                var (latest, listed, dataVersion, snapshots) = await LatestSequenceForAppendAsync(connection, system, listForPlan, ct).ConfigureAwait(false);
                if (!ReferenceEquals(connection, _epochWriter) || dataVersion != _epochDataVersion)
                {
                    // Another connection committed since this writer's last append (or this writer is new): what an earlier
                    // epoch's plan read may have changed.
                    _changeEpoch++;
                    _epochWriter = connection;
                    _epochDataVersion = dataVersion;
                }

                if (expectedLatestSequence is { } expected && expected != latest)
                {
                    throw new SnapshotConcurrencyException(system, expected, latest);
                }

                var sequence = latest + 1;
                var envelope = createEnvelope(sequence);
                snapshots?.Add(new StoredSnapshotRef(sequence, envelope.Length));

                // Retention is best effort: when it fails, the snapshot is still committed, and the next prune redoes what
                // this one left. Cancellation is checked before the commit below.
                Task<IReadOnlyCollection<long>> planning;
                try
                {
                    planning = deleteOlder(connection, system, sequence, envelope, snapshots, ct);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    planning = Task.FromResult<IReadOnlyCollection<long>>([]);
                }

                // A plan already made (always, inside the append; usually, for the engine's, started before the state was
                // serialized) is known before the row is written: the oldest snapshot leaving gives its row to the new one
                // (see WriteRowAsync), so a save with retention frees and allocates no page. A plan still running is awaited
                // after the row is inserted, as the write and the plan's reads then overlap.
                var olderToDelete = planning.IsCompleted ? await PlannedDeletesAsync(planning).ConfigureAwait(false) : null;
                long? replaced = null;
                foreach (var old in olderToDelete ?? [])
                {
                    if (old < sequence && (replaced is null || old < replaced))
                    {
                        replaced = old;
                    }
                }

                if (replaced is { } reuse && !await WriteRowAsync(connection, null, system, sequence, envelope, reuse, ct).ConfigureAwait(false))
                {
                    replaced = null; // gone already: inserted below
                }

                if (replaced is null)
                {
                    await WriteRowAsync(connection, null, system, sequence, envelope, replacing: null, ct).ConfigureAwait(false);
                }

                olderToDelete ??= await PlannedDeletesAsync(planning).ConfigureAwait(false);
                if (!listed)
                {
                    // The system's first snapshot: its row in systems lists it. Later appends leave the mark alone (the
                    // newest row is above it, and a row leaves only through a delete or quarantine, which raise it).
                    await RaiseHighWaterAsync(connection, null, system, sequence, ct).ConfigureAwait(false);
                }

                var deleted = replaced is not null;
                foreach (var old in olderToDelete)
                {
                    if (old < sequence && old != replaced)
                    {
                        using var delete = Command(connection, null, "DELETE FROM snapshots WHERE system = $system AND sequence = $sequence", system, old);
                        deleted |= await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
                    }
                }

                if (deleted)
                {
                    await ReclaimFreePagesAsync(connection, null, ct).ConfigureAwait(false);
                }

                ct.ThrowIfCancellationRequested();
                using (var commit = Command(connection, null, "COMMIT"))
                {
                    await commit.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                Interlocked.Increment(ref _committedWrites);
                return sequence;
            }
            catch
            {
                // Nothing of this append is kept. The caller gets the first failure: should the rollback fail too (SQLite
                // already rolled back after a failed COMMIT), the writer is dropped by RunAsync, and closing it rolls back.
                try
                {
                    using var rollback = Command(connection, null, "ROLLBACK");
                    await rollback.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (SqliteException)
                {
                }

                throw;
            }
        }, cancellationToken);
    }

    /// <summary>What a retention plan says to delete; nothing when it failed (the append still commits).</summary>
    private static async Task<IReadOnlyCollection<long>> PlannedDeletesAsync(Task<IReadOnlyCollection<long>> planning)
    {
        try
        {
            return await planning.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return [];
        }
    }

    public Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        // The whole range, as every store: a number past SnapshotSequence.MaxValue would leave the system unable to append.
        SnapshotSequence.Validate(sequence);
        return RunAsync("import", system, write: true, async (connection, ct) =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using (var exists = Command(connection, transaction, """
                SELECT EXISTS (SELECT 1 FROM snapshots WHERE system = $system AND sequence = $sequence)
                    OR EXISTS (SELECT 1 FROM quarantine WHERE system = $system AND sequence = $sequence)
                """, system, sequence))
            {
                if (Convert.ToInt64(await exists.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) != 0)
                {
                    return false;
                }
            }

            await WriteRowAsync(connection, transaction, system, sequence, envelope, replacing: null, ct).ConfigureAwait(false);
            await RaiseHighWaterAsync(connection, transaction, system, sequence, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            CommitWrite(transaction);
            return true;
        }, cancellationToken);
    }

    public async Task<LatestSnapshot?> ReadLatestAsync(string system, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        // The newest row and, up to SmallReadBytes, its envelope in one statement (its own consistent read); a larger one is
        // streamed by ReadAsync, which finds nothing when the row went in between (null: the caller lists).
        var newest = await RunAsync<(long Sequence, byte[]? Envelope)?>("read", system, write: false, async (connection, ct) =>
        {
            using var find = Command(connection, null, "SELECT sequence, CASE WHEN length(envelope) <= $small THEN envelope END FROM snapshots WHERE system = $system ORDER BY sequence DESC LIMIT 1", system);
            find.Parameters.AddWithValue("$small", SmallReadBytes);
            using var reader = await find.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false)
                ? (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1))
                : null;
        }, cancellationToken, mayUseWriter: true).ConfigureAwait(false);
        if (newest is not { } found)
        {
            return null;
        }

        var envelope = found.Envelope ?? await ReadLargeAsync(system, found.Sequence, cancellationToken).ConfigureAwait(false);
        return envelope is null ? null : new LatestSnapshot(found.Sequence, envelope);
    }

    public async Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        // An envelope up to SmallReadBytes comes back in the same statement that finds it (one statement is its own
        // consistent read): the common case costs one statement, on the writer when it is idle (see RunAsync).
        var found = await RunAsync<(bool Found, byte[]? Small)>("read", system, write: false, async (connection, ct) =>
        {
            using var find = Command(connection, null, "SELECT length(envelope), CASE WHEN length(envelope) <= $small THEN envelope END FROM snapshots WHERE system = $system AND sequence = $sequence", system, sequence);
            find.Parameters.AddWithValue("$small", SmallReadBytes);
            using var reader = await find.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return !await reader.ReadAsync(ct).ConfigureAwait(false)
                ? (false, null)
                : (true, reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1));
        }, cancellationToken, mayUseWriter: true).ConfigureAwait(false);
        return !found.Found || found.Small is not null
            ? found.Small
            : await ReadLargeAsync(system, sequence, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An envelope found larger than <see cref="SmallReadBytes"/>, streamed straight into the result (reading the column as a
    /// value would copy it twice), in one read transaction on a pooled connection (never holding up a write for that long):
    /// the row cannot change between finding it and streaming its BLOB, and is gone (null) when it was deleted since.
    /// </summary>
    private Task<byte[]?> ReadLargeAsync(string system, long sequence, CancellationToken cancellationToken) =>
        RunAsync<byte[]?>("read", system, write: false, async (connection, ct) =>
        {
            using var transaction = connection.BeginTransaction(deferred: true);
            long rowId;
            long length;
            using (var again = Command(connection, transaction, "SELECT rowid, length(envelope) FROM snapshots WHERE system = $system AND sequence = $sequence", system, sequence))
            using (var reader = await again.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    return null;
                }

                rowId = reader.GetInt64(0);
                length = reader.GetInt64(1);
            }

            var bytes = new byte[length];
            using (var blob = new SqliteBlob(connection, "snapshots", "envelope", rowId, readOnly: true))
            {
                await blob.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
            }

            transaction.Commit();
            return bytes;
        }, cancellationToken);

    /// <summary>
    /// The small envelopes among <paramref name="sequences"/>, up to <see cref="MaxBatchSequences"/> of them and
    /// <see cref="MaxBatchBytes"/> in all, in the one statement of <see cref="ListAndReadAsync"/> (which keeps those bounds);
    /// the rest are left to <see cref="ReadAsync"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, byte[]>> ReadManyAsync(string system, IReadOnlyCollection<long> sequences, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            return new Dictionary<long, byte[]>();
        }

        var wanted = sequences.ToHashSet();
        return (await ListAndReadAsync(system, wanted.Contains, cancellationToken).ConfigureAwait(false)).Envelopes;
    }

    /// <summary>
    /// One statement lists the snapshots and returns the envelopes <paramref name="wanted"/> selects, as far as
    /// <see cref="ReadManyAsync"/> would (small ones only, <see cref="MaxBatchSequences"/> and <see cref="MaxBatchBytes"/> at
    /// most): the choice is made per row inside the query, so no other envelope is read.
    /// </summary>
    public Task<(IReadOnlyList<StoredSnapshotRef> Snapshots, IReadOnlyDictionary<long, byte[]> Envelopes)> ListAndReadAsync(string system, Func<long, bool> wanted, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ArgumentNullException.ThrowIfNull(wanted);
        return RunAsync<(IReadOnlyList<StoredSnapshotRef>, IReadOnlyDictionary<long, byte[]>)>("read", system, write: false, async (connection, ct) =>
        {
            // Retention asks this once per save: it runs on the lister, a connection of its own where the statement is prepared
            // and the function registered once (opening a pooled connection, preparing and registering took more than the query).
            _batch = new BatchBounds(wanted);
            Interlocked.Increment(ref _listerListings);
            var command = _listAndRead ??= new ReusedCommand
            {
                Connection = connection,
                CommandText = $"""
                    SELECT sequence, length(envelope), CASE WHEN {WantedFunction}(sequence, length(envelope)) THEN envelope END
                    FROM snapshots WHERE system = $system ORDER BY sequence
                    """,
            };
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$system", system);
            var snapshots = new List<StoredSnapshotRef>();
            var envelopes = new Dictionary<long, byte[]>();
            try
            {
                using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    var sequence = reader.GetInt64(0);
                    snapshots.Add(new StoredSnapshotRef(sequence, reader.GetInt64(1)));
                    if (!reader.IsDBNull(2))
                    {
                        envelopes[sequence] = reader.GetFieldValue<byte[]>(2);
                    }
                }
            }
            finally
            {
                _batch = null; // the connection holds no caller's delegate between calls
            }

            return (snapshots, envelopes);
        }, cancellationToken, onLister: true);
    }

    public async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var refs = await RunAsync("list", system, write: false, async (connection, ct) =>
        {
            var list = new List<StoredSnapshotRef>();
            using var command = Command(connection, null, "SELECT sequence, length(envelope) FROM snapshots WHERE system = $system ORDER BY sequence", system);
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                list.Add(new StoredSnapshotRef(reader.GetInt64(0), reader.GetInt64(1)));
            }

            return list;
        }, cancellationToken, mayUseWriter: true).ConfigureAwait(false);

        foreach (var item in refs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }
    }

    public Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        return RunAsync("latest", system, write: false, (connection, ct) => LatestSequenceAsync(connection, null, system, ct), cancellationToken);
    }

    public Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        return RunAsync("delete", system, write: true, async (connection, ct) =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using var delete = Command(connection, transaction, "DELETE FROM snapshots WHERE system = $system AND sequence = $sequence", system, sequence);
            if (await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
            {
                return false;
            }

            // Every number allocated is at or below the mark or a row still here (an append does not raise the mark: its
            // row is the newest). Raising the mark to each row that leaves keeps it so: deleting the newest row never frees
            // its number.
            await RaiseHighWaterAsync(connection, transaction, system, sequence, ct).ConfigureAwait(false);
            await ReclaimFreePagesAsync(connection, transaction, ct).ConfigureAwait(false);
            CommitWrite(transaction);
            return true;
        }, cancellationToken);
    }

    public Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ArgumentNullException.ThrowIfNull(reason);
        return RunAsync("quarantine", system, write: true, async (connection, ct) =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            using (var move = Command(connection, transaction, $"""
                INSERT INTO quarantine (system, sequence, quarantined_utc, reason, {HeaderColumns}, stored_utc, envelope)
                SELECT system, sequence, $now, $reason, {HeaderColumns}, stored_utc, envelope
                FROM snapshots WHERE system = $system AND sequence = $sequence
                """, system, sequence))
            {
                move.Parameters.AddWithValue("$now", FormatTime(_time.GetUtcNow()));
                move.Parameters.AddWithValue("$reason", reason);
                if (await move.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
                {
                    return false;
                }
            }

            using (var delete = Command(connection, transaction, "DELETE FROM snapshots WHERE system = $system AND sequence = $sequence", system, sequence))
            {
                await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            await RaiseHighWaterAsync(connection, transaction, system, sequence, ct).ConfigureAwait(false);
            CommitWrite(transaction);
            Log.Quarantined(_logger, system, sequence, reason);
            return true;
        }, cancellationToken);
    }

    public async IAsyncEnumerable<string> ListSystemsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var systems = await RunAsync("list systems", "*", write: false, async (connection, ct) =>
        {
            var list = new List<string>();
            // BINARY collation compares bytes; valid names are ASCII, so this is ordinal order.
            using var command = Command(connection, null, "SELECT system FROM systems WHERE high_water > 0 ORDER BY system");
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var name = reader.GetString(0);
                if (SystemName.IsValid(name))
                {
                    list.Add(name);
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
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The writer is closed once the write in flight (if any) ends; the lister likewise.
        await _writeGate.WaitAsync().ConfigureAwait(false);
        DropWriter();
        _writeGate.Release();
        await _listerGate.WaitAsync().ConfigureAwait(false);
        DropLister();
        _listerGate.Release();

        // Pooled connections keep the file (and its WAL) open; release them so the file can be moved or deleted.
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        _writeGate.Dispose();
        _listerGate.Dispose();
        _schemaGate.Dispose();
    }

    /// <summary>Runs <paramref name="action"/> on a connection: the writer (under the write gate), the lister, or a pooled one.</summary>
    /// <param name="operation">What is done, for errors and logs.</param>
    /// <param name="system">The system, for errors and logs.</param>
    /// <param name="write">Whether it writes (on the writer).</param>
    /// <param name="action">The work.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <param name="onLister">A read on the lister (see <see cref="ListAndReadAsync"/>), one at a time.</param>
    /// <param name="mayUseWriter">For a short read: it runs on the writer when the writer is open and no write holds it
    /// (never waiting for one), where its statement is prepared once and the pages this process just wrote are cached;
    /// otherwise on a pooled connection.</param>
    private async Task<T> RunAsync<T>(string operation, string system, bool write, Func<SqliteConnection, CancellationToken, Task<T>> action, CancellationToken cancellationToken, bool onLister = false, bool mayUseWriter = false)
    {
        var gated = false;
        var listerGated = false;
        try
        {
            await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
            if (write)
            {
                await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                gated = true;
            }

            if (onLister)
            {
                await _listerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                listerGated = true;
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                var lister = _lister ??= await OpenListerAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    return await action(lister, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    DropLister();
                    throw;
                }
            }

            if (write)
            {
                var writer = _writer ??= await OpenAsync(write: true, cancellationToken).ConfigureAwait(false);
                try
                {
                    return await action(writer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not SnapshotConcurrencyException)
                {
                    // Its state is not known after a failure: the next write opens a fresh one.
                    DropWriter();
                    throw;
                }
            }

            if (mayUseWriter && Volatile.Read(ref _writer) is not null && _writeGate.Wait(0))
            {
                gated = true;
                if (_writer is { } idle)
                {
                    try
                    {
                        return await action(idle, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        DropWriter(); // as after a failed write: the next use opens a fresh one
                        throw;
                    }
                }

                // Dropped by a failed write meanwhile: the read takes a pooled connection and does not hold up the next write.
                _writeGate.Release();
                gated = false;
            }

            Interlocked.Increment(ref _pooledReads);
            var connection = await OpenAsync(write: false, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                return await action(connection, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SqliteException ex)
        {
            throw Translate(operation, system, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.OperationFailed(_logger, operation, system, transient: false, 0, ex);
            throw new SnapshotStoreException($"SQLite {operation} of '{system}' in '{_databaseName}' failed: {ex.Message}", isTransient: false, ex);
        }
        finally
        {
            if (gated)
            {
                _writeGate.Release();
            }

            if (listerGated)
            {
                _listerGate.Release();
            }
        }
    }

    /// <summary>Opens the lister: not pooled, with the per-row function of <see cref="ListAndReadAsync"/> registered once.</summary>
    private async Task<SqliteConnection> OpenListerAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_writerConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // Called by SQLite for each row in order; the bounds of the call in progress decide what is returned.
            connection.CreateFunction<long, long, bool>(WantedFunction, (sequence, length) => _batch?.Take(sequence, length) ?? false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Closes the lister and its statement (the next call opens them again). Called under <c>_listerGate</c>.</summary>
    private void DropLister()
    {
        _listAndRead?.Release();
        _listAndRead = null;
        _lister?.Dispose();
        _lister = null;
        _batch = null;
    }

    private SnapshotStoreException Translate(string operation, string system, SqliteException ex)
    {
        // Busy/locked: another process held the write lock for longer than the busy timeout; a later try can succeed.
        var transient = ex.SqliteErrorCode is SqliteBusy or SqliteLocked;
        Log.OperationFailed(_logger, operation, system, transient, ex.SqliteErrorCode, ex);
        return new SnapshotStoreException($"SQLite {operation} of '{system}' in '{_databaseName}' failed: {ex.Message}", transient, ex);
    }

    /// <param name="write">Whether the connection will commit: only then are the per-connection settings made (a read waits for
    /// a busy database through the command timeout, and has no commit to make durable).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    private async Task<SqliteConnection> OpenAsync(bool write, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(write ? _writerConnectionString : _connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (!write)
            {
                return connection;
            }

            // Per-connection settings (pooled connections keep them, setting them again is cheap):
            // wait for other writers instead of failing at once, and make every commit durable before it returns.
            using var pragma = connection.CreateCommand();
            pragma.CommandText = $"PRAGMA busy_timeout = {_busyTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture)}; PRAGMA synchronous = FULL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

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

            var folder = Path.GetDirectoryName(DatabasePath);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            var connection = await OpenAsync(write: true, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // Only takes effect on a new, empty file (an existing one keeps its mode; VACUUM would rewrite it whole):
                // deletes then return their pages to the file system through PRAGMA incremental_vacuum. Set before WAL and
                // before the first table, or it is ignored.
                using (var autoVacuum = Command(connection, null, "PRAGMA auto_vacuum = INCREMENTAL"))
                {
                    await autoVacuum.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // WAL is a property of the file, set outside any transaction; readers then never block the writer.
                using (var wal = Command(connection, null, "PRAGMA journal_mode = WAL"))
                {
                    var mode = Convert.ToString(await wal.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                    if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new SnapshotStoreException($"SQLite database '{_databaseName}' cannot use WAL mode (journal mode is '{mode}').", isTransient: false);
                    }
                }

                // Migrations run under the write lock, so two processes opening a new file at once apply them once.
                using var transaction = connection.BeginTransaction(deferred: false);
                int version;
                using (var read = Command(connection, transaction, "PRAGMA user_version"))
                {
                    version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                }

                if (version > CurrentSchemaVersion)
                {
                    throw new SnapshotStoreException(
                        $"SQLite database '{_databaseName}' has schema version {version}; this StateVault knows up to {CurrentSchemaVersion}. Use a newer StateVault.",
                        isTransient: false);
                }

                for (var next = version + 1; next <= CurrentSchemaVersion; next++)
                {
                    using var migrate = Command(connection, transaction, s_migrations[next - 1]);
                    await migrate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                if (version < CurrentSchemaVersion)
                {
                    using var stamp = Command(connection, transaction, $"PRAGMA user_version = {CurrentSchemaVersion.ToString(CultureInfo.InvariantCulture)}");
                    await stamp.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                transaction.Commit();
                if (version < CurrentSchemaVersion)
                {
                    Log.SchemaUpgraded(_logger, _databaseName, version, CurrentSchemaVersion);
                }
            }

            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private async Task<long> LatestSequenceAsync(SqliteConnection connection, SqliteTransaction? transaction, string system, CancellationToken cancellationToken)
    {
        // The newest row, or the mark a delete or quarantine raised to the row that left (appends do not raise it).
        using var command = Command(connection, transaction, $"SELECT {LatestSequenceExpression}", system);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// <see cref="LatestSequenceAsync"/> for an append, in its transaction, whether <paramref name="system"/> has its row in
    /// <c>systems</c> (the listing of systems reads it), the connection's <c>data_version</c> (see <see cref="_changeEpoch"/>),
    /// and with <paramref name="list"/> the system's snapshots in ascending order: all in one statement.
    /// </summary>
    private async Task<(long Latest, bool Listed, long DataVersion, List<StoredSnapshotRef>? Snapshots)> LatestSequenceForAppendAsync(SqliteConnection connection, string system, bool list, CancellationToken cancellationToken)
    {
        const string Latest = $"SELECT 1, {LatestSequenceExpression}, EXISTS (SELECT 1 FROM systems WHERE system = $system AND high_water > 0), (SELECT data_version FROM pragma_data_version())";
        using var command = Command(connection, null, list ? $"SELECT 0, sequence, length(envelope), 0 FROM snapshots WHERE system = $system UNION ALL {Latest}" : Latest, system);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var snapshots = list ? new List<StoredSnapshotRef>() : null;
        (long Latest, bool Listed, long DataVersion)? latest = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetInt64(0) == 0)
            {
                snapshots!.Add(new StoredSnapshotRef(reader.GetInt64(1), reader.GetInt64(2)));
            }
            else
            {
                latest = (reader.GetInt64(1), reader.GetInt64(2) != 0, reader.GetInt64(3));
            }
        }

        snapshots?.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        var (sequence, listed, dataVersion) = latest ?? throw new InvalidOperationException("The latest sequence query returned no row.");
        return (sequence, listed, dataVersion, snapshots);
    }

    private async Task RaiseHighWaterAsync(SqliteConnection connection, SqliteTransaction? transaction, string system, long sequence, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, """
            INSERT INTO systems (system, high_water) VALUES ($system, $sequence)
            ON CONFLICT (system) DO UPDATE SET high_water = max(high_water, excluded.high_water)
            """, system, sequence);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes snapshot <paramref name="sequence"/>'s row: a new row, or with <paramref name="replacing"/> the row of that older
    /// snapshot of the system, rewritten in place as the new one (an UPDATE of every column, its key included). Both leave
    /// the same rows behind as an insert plus a delete of <paramref name="replacing"/>, in the caller's transaction; the
    /// rewrite keeps the row's rowid and page, so no page is freed and none allocated (an insert at the end of the table and a
    /// delete at its start wrote five to six pages per commit at 1 KiB, the rewrite two).
    /// </summary>
    /// <returns>Whether the row was written: <see langword="false"/> only when <paramref name="replacing"/> has no row.</returns>
    private async Task<bool> WriteRowAsync(SqliteConnection connection, SqliteTransaction? transaction, string system, long sequence, EnvelopeBytes envelope, long? replacing, CancellationToken cancellationToken)
    {
        // Stored unchanged even when the head does not parse: integrity is the engine's verdict, the columns only help listing.
        var header = SnapshotEnvelope.TryReadHeader(envelope);
        // A small envelope goes in as the row's value, in the statement itself; a large one is reserved, then streamed in (both
        // segments, so no 64 MiB envelope is ever concatenated in memory).
        var small = envelope.Length <= SmallReadBytes;
        var value = small ? "$envelope" : "zeroblob($length)";
        var returning = small ? "" : " RETURNING rowid";
        long rowId;
        using (var write = Command(connection, transaction, replacing is null
            ? $"""
              INSERT INTO snapshots (system, sequence, {HeaderColumns}, stored_utc, envelope)
              VALUES ($system, $sequence, $created, $schema, $type, $codec, $stored, $raw, $sha, $producer, $tags, $now, {value}){returning}
              """
            : $"""
              UPDATE snapshots SET sequence = $sequence, created_utc = $created, schema_version = $schema, state_type = $type, codec = $codec,
                  stored_length = $stored, raw_length = $raw, sha256 = $sha, producer = $producer, tags = $tags, stored_utc = $now, envelope = {value}
              WHERE system = $system AND sequence = $replacing{returning}
              """, system, sequence))
        {
            if (replacing is { } old)
            {
                write.Parameters.AddWithValue("$replacing", old);
            }

            write.Parameters.AddWithValue("$created", (object?)(header is null ? null : FormatTime(header.CreatedUtc)) ?? DBNull.Value);
            write.Parameters.AddWithValue("$schema", (object?)header?.SchemaVersion ?? DBNull.Value);
            write.Parameters.AddWithValue("$type", (object?)header?.StateType ?? DBNull.Value);
            write.Parameters.AddWithValue("$codec", (object?)header?.Codec ?? DBNull.Value);
            write.Parameters.AddWithValue("$stored", (object?)header?.StoredLength ?? DBNull.Value);
            write.Parameters.AddWithValue("$raw", (object?)header?.RawLength ?? DBNull.Value);
            write.Parameters.AddWithValue("$sha", (object?)header?.Sha256 ?? DBNull.Value);
            write.Parameters.AddWithValue("$producer", (object?)header?.Producer ?? DBNull.Value);
            write.Parameters.AddWithValue("$tags", header is null ? DBNull.Value : header.Tags.Count == 0 ? "[]" : JsonSerializer.Serialize(header.Tags));
            write.Parameters.AddWithValue("$now", FormatTime(_time.GetUtcNow()));
            if (small)
            {
                write.Parameters.Add("$envelope", SqliteType.Blob).Value = envelope.ToArray();
                return await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
            }

            write.Parameters.AddWithValue("$length", envelope.Length);
            if (await write.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not { } id)
            {
                return false;
            }

            rowId = Convert.ToInt64(id, CultureInfo.InvariantCulture);
        }

        using var blob = new SqliteBlob(connection, "snapshots", "envelope", rowId);
        await blob.WriteAsync(envelope.Head, cancellationToken).ConfigureAwait(false);
        await blob.WriteAsync(envelope.Payload, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private void CommitWrite(SqliteTransaction transaction)
    {
        transaction.Commit();
        Interlocked.Increment(ref _committedWrites);
    }

    /// <summary>
    /// Gives the pages deleted rows freed back to the file system, in the caller's transaction (no commit of its own), once
    /// they are more than a quarter of the file. Fewer are left for the next inserts to reuse: keep-last 5 of a steady
    /// state frees a sixth of the file per save and fills it again in the next, so the file stays within a third over the
    /// live data without moving pages (and writing them to the WAL) on every save. A no-op on files created before
    /// <c>auto_vacuum = INCREMENTAL</c> was set (their free pages are still reused by later inserts).
    /// </summary>
    private async Task ReclaimFreePagesAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        // Two plain PRAGMAs: a join of their table-valued forms costs several times as much, and this runs in every pruning commit.
        long free;
        using (var count = Command(connection, transaction, "PRAGMA freelist_count"))
        {
            free = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        if (free == 0)
        {
            return;
        }

        using (var pages = Command(connection, transaction, "PRAGMA page_count"))
        {
            if (free * 4 <= Convert.ToInt64(await pages.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture))
            {
                return;
            }
        }

        using var vacuum = Command(connection, transaction, "PRAGMA incremental_vacuum");
        await vacuum.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string FormatTime(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A command for <paramref name="sql"/>. On the writer it is the one prepared for that text the first time, reused with
    /// its parameters set anew (disposing it leaves it prepared); on any other connection a new one.
    /// </summary>
    private SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, string? system = null, long? sequence = null)
    {
        SqliteCommand command;
        if (ReferenceEquals(connection, _writer))
        {
            if (!_writerCommands.TryGetValue(sql, out var reused))
            {
                reused = new ReusedCommand { Connection = connection, CommandText = sql };
                _writerCommands.Add(sql, reused);
            }

            reused.Parameters.Clear();
            command = reused;
        }
        else
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
        }

        command.Transaction = transaction;
        if (system is not null)
        {
            command.Parameters.AddWithValue("$system", system);
        }

        if (sequence is { } value)
        {
            command.Parameters.AddWithValue("$sequence", value);
        }

        return command;
    }

    /// <summary>Closes the writer (rolling back anything open on it) and its prepared commands. Called under <c>_writeGate</c>.</summary>
    private void DropWriter()
    {
        foreach (var command in _writerCommands.Values)
        {
            command.Release();
        }

        _writerCommands.Clear();
        _writer?.Dispose();
        _writer = null;
    }

    /// <summary>What one <see cref="ListAndReadAsync"/> returns envelopes of: those wanted, small ones only, within the batch bounds.</summary>
    private sealed class BatchBounds(Func<long, bool> wanted)
    {
        private int _count;
        private long _total;

        public bool Take(long sequence, long length)
        {
            if (length > SmallReadBytes || _count >= MaxBatchSequences || _total + length > MaxBatchBytes || !wanted(sequence))
            {
                return false;
            }

            _count++;
            _total += length;
            return true;
        }
    }

    /// <summary>A command held on the writer or the lister: <c>using</c> it leaves its prepared statements for the next call; <see cref="Release"/> ends it.</summary>
    private sealed class ReusedCommand : SqliteCommand
    {
        private bool _released;

        public void Release()
        {
            _released = true;
            Dispose();
        }

        protected override void Dispose(bool disposing)
        {
            if (_released)
            {
                base.Dispose(disposing);
            }
        }
    }
}
