using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using StateVault.Codecs;
using StateVault.Diagnostics;
using StateVault.Envelope;
using StateVault.Retention;
using StateVault.Schema;
using StateVault.Secrets;
using StateVault.Serialization;
using StateVault.Storage;

namespace StateVault;

/// <summary>
/// The engine: saves typed state as verified, versioned snapshots on a store and brings the newest valid one back.
/// Save: serialize → secret scan → codec → envelope + checksums → atomic append → retention.
/// Load: newest first, verify before deserializing, quarantine and skip damaged snapshots, upcast old schemas.
/// </summary>
/// <remarks>Thread-safe. One instance per store is meant to be shared by every system of a process.</remarks>
public sealed partial class SnapshotVault : IAsyncDisposable
{
    private readonly ISnapshotStore _store;
    private readonly SnapshotVaultOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly StateVaultMetrics _metrics;
    private readonly JsonSerializerOptions _json;
    private readonly ResiliencePipeline _retry;
    private readonly bool _ownsStore;

    // From this size on (and only when compressing), a save scans for secrets on a second core while it compresses.
    private const int ParallelScanThreshold = 256 * 1024;

    // How many kept snapshots retention reads again at once before it deletes.
    private const int RecheckParallelism = 4;

    // Up to this JSON length (and envelope length) retention is planned inside the append's transaction on a store that
    // can (ISnapshotStoreWithListingAppend): above it, re-reading the kept envelopes there would hold the write lock long.
    private const int PlanInAppendMaxBytes = 1024 * 1024;

    private static readonly IReadOnlyDictionary<long, byte[]> s_nothingPrefetched = new Dictionary<long, byte[]>();

    // Per snapshot this vault verified (or wrote): its stored length and header, and the content fingerprint (XxHash128 of
    // every stored byte) of the bytes it last passed full verification with. Snapshots are immutable: a header verified once
    // (by length) need not be re-read for listings and retention. Retention's re-check before deleting reads the bytes again
    // but only fully verifies (SHA-256, decode) bytes whose fingerprint differs: unchanged bytes are the verified ones. Not
    // file times or a store's ETag: a change within one timestamp tick, or a store that keeps its metadata, would pass
    // unseen. No fingerprint: a chunked snapshot read back (its chunks are checked by a full open), or one about to be pruned.
    private readonly ConcurrentDictionary<(string System, long Sequence), VerifiedSnapshot> _verified = new();
    // The JSON length of each system's last typed save: the next one serializes into a buffer of about that size at once,
    // instead of growing one from 16 KiB by doubling (a 10 MiB state: ten copies, 4 ms of its 65 ms serialization).
    private readonly ConcurrentDictionary<string, int> _lastStateLength = new(StringComparer.Ordinal);
    // The last state type and producer the header's secret check found clean (see ApplyHeaderSecretPolicy).
    private string? _cleanStateType;
    private string? _cleanProducer;

    /// <summary>Creates a vault over a store.</summary>
    /// <param name="store">The store.</param>
    /// <param name="options">Options; validated here.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="timeProvider">Clock for snapshot times and retry delays.</param>
    /// <param name="meterFactory">Source of the <c>StateVault</c> meter.</param>
    /// <param name="ownsStore">Whether disposing the vault disposes the store.</param>
    public SnapshotVault(
        ISnapshotStore store,
        SnapshotVaultOptions? options = null,
        ILogger<SnapshotVault>? logger = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null,
        bool ownsStore = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? new SnapshotVaultOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = new StateVaultMetrics(meterFactory, _options.MetricsSystemLabelLimit);
        _json = StateVaultJson.WithSensitiveMembersRemoved(_options.JsonOptions);
        _ownsStore = ownsStore;
        _retry = _options.MaxRetryAttempts == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = _time }
                .AddRetry(new RetryStrategyOptions
                {
                    ShouldHandle = new PredicateBuilder().Handle<StateVaultException>(IsRetried),
                    MaxRetryAttempts = _options.MaxRetryAttempts,
                    Delay = _options.RetryBaseDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    OnRetry = args =>
                    {
                        Log.Retrying(_logger, "store call", "-", args.AttemptNumber + 1, args.Outcome.Exception);
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();
    }

    /// <summary>What the retry pipeline retries: a store failure the store calls transient.</summary>
    private static bool IsRetried(StateVaultException ex) => ex.IsTransient;

    /// <summary>
    /// Calls the store with retries. The first attempt is made here; the pipeline runs only once an attempt has failed
    /// transiently, and then as if it had made that attempt itself: the failure is handed to it first, so it logs, waits and
    /// tries again exactly as when it makes every attempt. A call that succeeds at once, the common case, does not run the
    /// pipeline's code: on a load right after a save (cold caches) that code cost 40-65 µs of a 0.27 ms load of 1 KiB.
    /// </summary>
    private async ValueTask<T> RetryAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        // As the pipeline does before an attempt: a call is not started with a token already cancelled.
        cancellationToken.ThrowIfCancellationRequested();
        ExceptionDispatchInfo? failed;
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (StateVaultException ex) when (_options.MaxRetryAttempts > 0 && IsRetried(ex))
        {
            failed = ExceptionDispatchInfo.Capture(ex);
        }

        return await _retry.ExecuteAsync(
            async ct =>
            {
                if (failed is { } first)
                {
                    failed = null;
                    first.Throw(); // the attempt made above, as the pipeline's first
                }

                return await call(ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="RetryAsync{T}(Func{CancellationToken, ValueTask{T}}, CancellationToken)"/>
    private async ValueTask RetryAsync(Func<CancellationToken, ValueTask> call, CancellationToken cancellationToken) =>
        await RetryAsync(
            async ct =>
            {
                await call(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>The store under this vault.</summary>
    public ISnapshotStore Store => _store;

    /// <summary>The options in force.</summary>
    public SnapshotVaultOptions Options => _options;

    /// <summary>The JSON settings typed state is serialized with (sensitive members removed).</summary>
    public JsonSerializerOptions JsonOptions => _json;

    /// <summary>Saves <paramref name="state"/> as the newest snapshot of <paramref name="system"/>.</summary>
    /// <exception cref="ArgumentException">Invalid system name.</exception>
    /// <exception cref="SecretDetectedException">A secret-looking value was found and the policy is reject.</exception>
    /// <exception cref="SnapshotConcurrencyException">The expected latest sequence was not the latest.</exception>
    /// <exception cref="SnapshotStoreException">The store failed (after retries for transient failures).</exception>
    public async Task<SnapshotMetadata> SaveAsync<TState>(string system, TState state, SaveOptions? options = null, CancellationToken cancellationToken = default)
    {
        SystemName.Validate(system);
        var type = typeof(TState) == typeof(object) && state is not null ? state.GetType() : typeof(TState);
        // Retention's listing and re-check start first: they run while the state is serialized, encoded and appended.
        var retention = StartRetention(system, options, length: null, cancellationToken);
        // Serialized into a pooled buffer that goes back to the pool once the append is done (see PooledBufferWriter).
        using var json = new PooledBufferWriter(_lastStateLength.TryGetValue(system, out var last) ? SerializeCapacity(last) : PooledBufferWriter.DefaultCapacity);
        try
        {
            using var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = _json.Encoder, Indented = _json.WriteIndented, SkipValidation = true });
            JsonSerializer.Serialize(writer, state, _json.GetTypeInfo(type));
            _lastStateLength[system] = json.WrittenMemory.Length;
        }
        catch
        {
            retention.Abandon();
            throw;
        }

        return await SaveCoreAsync(system, json.WrittenMemory, options?.StateType ?? UpcasterRegistry.GetName(type), options?.SchemaVersion ?? UpcasterRegistry.GetVersion(type), options, retention, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A buffer for a state whose last JSON was <paramref name="last"/> bytes: an eighth more, for growth.</summary>
    private static int SerializeCapacity(int last) => (int)Math.Clamp(last + (last / 8L), PooledBufferWriter.DefaultCapacity, Array.MaxLength);

    /// <summary>Saves a JSON document (UTF-8) as the newest snapshot of <paramref name="system"/>.</summary>
    /// <exception cref="ArgumentException">Invalid system name, or the bytes are not one valid JSON document.</exception>
    public Task<SnapshotMetadata> SaveJsonAsync(string system, ReadOnlyMemory<byte> json, SaveOptions? options = null, CancellationToken cancellationToken = default)
    {
        SystemName.Validate(system);
        try
        {
            // Well-formed is not enough: a string with an unpaired surrogate escape parses but never reads back.
            JsonValidation.Validate(json.Span);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The state is not valid JSON: {ex.Message}", nameof(json), ex);
        }

        return SaveCoreAsync(system, json, options?.StateType ?? "json", options?.SchemaVersion ?? 1, options, retention: null, cancellationToken);
    }

    /// <summary>
    /// Loads the newest valid snapshot as <typeparamref name="TState"/>, upcast to its current schema version.
    /// Damaged newer snapshots are quarantined and skipped; the result says which.
    /// </summary>
    /// <returns><see langword="null"/> when the system has no valid snapshot.</returns>
    /// <exception cref="SnapshotSchemaException">The newest valid snapshot has a schema newer than the code, or an upcaster is missing.</exception>
    public async Task<LoadResult<TState>?> LoadLatestAsync<TState>(string system, CancellationToken cancellationToken = default)
    {
        SystemName.Validate(system);
        var started = _time.GetTimestamp();
        // The newest snapshot, read in one step where the store can: when it opens and deserializes, no listing is needed.
        // Anything else (damaged, undecodable) is left to the listing below, which reports it without reading it again.
        var newest = await OpenNewestAsync(system, cancellationToken).ConfigureAwait(false);
        // The newest opened but did not deserialize: the listing below reports it with this verdict, not a second attempt.
        (long Sequence, JsonException? Problem)? undeserializable = null;
        if (newest is { Opened: { Header: { } newestHeader, Damaged: null } newestOpened })
        {
            if (TryDeserialize<TState>(system, newestHeader, newestOpened.Json, out var newestState, out var newestProblem))
            {
                return Loaded(system, started, newestHeader.Sequence, new LoadResult<TState>(newestState, SnapshotMetadata.FromHeader(newestHeader), []), []);
            }

            undeserializable = (newestHeader.Sequence, newestProblem);
        }

        var skipped = new List<SkippedSnapshot>();
        var refs = await ListRefsAsync(system, cancellationToken).ConfigureAwait(false);
        for (var i = refs.Count - 1; i >= 0; i--)
        {
            var sequence = refs[i].Sequence;
            var opened = await OpenListedAsync(system, sequence, newest, cancellationToken).ConfigureAwait(false);
            if (opened.Damaged is { } damaged)
            {
                skipped.Add(damaged);
                continue;
            }

            if (opened.Header is null)
            {
                continue; // deleted meanwhile
            }

            JsonException? problem;
            if (undeserializable is { } known && known.Sequence == sequence)
            {
                problem = known.Problem;
            }
            else if (TryDeserialize<TState>(system, opened.Header, opened.Json, out var state, out problem))
            {
                return Loaded(system, started, sequence, new LoadResult<TState>(state, SnapshotMetadata.FromHeader(opened.Header), skipped), skipped);
            }

            if (problem is JsonException ex)
            {
                Log.Undeserializable(_logger, system, sequence, typeof(TState).Name, ex);
            }

            skipped.Add(new SkippedSnapshot(sequence, problem is null ? "the snapshot holds JSON null" : $"could not be deserialized as {typeof(TState).Name}: {problem.Message}", Quarantined: false));
        }

        _metrics.RecordLoad(system, _store.Kind, _time.GetElapsedTime(started), fellBack: skipped.Count > 0);
        return null;
    }

    /// <summary>Loads the newest valid snapshot's JSON as stored. Damaged newer ones are quarantined and skipped.</summary>
    /// <returns><see langword="null"/> when the system has no valid snapshot.</returns>
    public async Task<JsonSnapshot?> LoadLatestJsonAsync(string system, CancellationToken cancellationToken = default)
    {
        SystemName.Validate(system);
        var started = _time.GetTimestamp();
        var newest = await OpenNewestAsync(system, cancellationToken).ConfigureAwait(false);
        if (newest is { Opened: { Header: { } newestHeader, Damaged: null } newestOpened })
        {
            return Loaded(system, started, newestHeader.Sequence, new JsonSnapshot(newestOpened.Json, SnapshotMetadata.FromHeader(newestHeader), []), []);
        }

        var skipped = new List<SkippedSnapshot>();
        var refs = await ListRefsAsync(system, cancellationToken).ConfigureAwait(false);
        for (var i = refs.Count - 1; i >= 0; i--)
        {
            var opened = await OpenListedAsync(system, refs[i].Sequence, newest, cancellationToken).ConfigureAwait(false);
            if (opened.Damaged is { } damaged)
            {
                skipped.Add(damaged);
            }
            else if (opened.Header is not null)
            {
                return Loaded(system, started, opened.Header.Sequence, new JsonSnapshot(opened.Json, SnapshotMetadata.FromHeader(opened.Header), skipped), skipped);
            }
        }

        _metrics.RecordLoad(system, _store.Kind, _time.GetElapsedTime(started), fellBack: skipped.Count > 0);
        return null;
    }

    /// <summary>Loads one snapshot's JSON as stored, after verifying it.</summary>
    /// <returns><see langword="null"/> when it does not exist.</returns>
    /// <exception cref="SnapshotCorruptedException">It failed verification (it is not quarantined by this call).</exception>
    public async Task<JsonSnapshot?> LoadJsonAsync(string system, long sequence, CancellationToken cancellationToken = default)
    {
        SystemName.Validate(system);
        var opened = await OpenAsync(system, sequence, quarantineIfDamaged: false, cancellationToken).ConfigureAwait(false);
        if (opened.Damaged is { } damaged)
        {
            throw new SnapshotCorruptedException(system, sequence, damaged.Reason);
        }

        return opened.Header is null ? null : new JsonSnapshot(opened.Json, SnapshotMetadata.FromHeader(opened.Header), []);
    }

    /// <summary>Loads one snapshot as <typeparamref name="TState"/>, upcast to the current schema.</summary>
    /// <returns><see langword="null"/> when it does not exist.</returns>
    /// <exception cref="SnapshotCorruptedException">It failed verification.</exception>
    public async Task<LoadResult<TState>?> LoadAsync<TState>(string system, long sequence, CancellationToken cancellationToken = default)
    {
        var snapshot = await LoadJsonAsync(system, sequence, cancellationToken).ConfigureAwait(false);
        if (snapshot is null)
        {
            return null;
        }

        var header = await ReadHeaderAsync(system, sequence, cancellationToken).ConfigureAwait(false);
        var node = Upcast<TState>(system, header!, snapshot.Json);
        var state = node is null ? JsonSerializer.Deserialize<TState>(snapshot.Json.Span, _json) : node.Deserialize<TState>(_json);
        return state is null ? null : new LoadResult<TState>(state, snapshot.Metadata, []);
    }

    /// <summary>Lists the snapshots of a system, newest first, each verified (results of earlier verification are reused).</summary>
    public async Task<IReadOnlyList<SnapshotListing>> ListAsync(string system, CancellationToken cancellationToken = default)
    {
        SystemName.Validate(system);
        var refs = await ListRefsAsync(system, cancellationToken).ConfigureAwait(false);
        var result = new List<SnapshotListing>(refs.Count);
        for (var i = refs.Count - 1; i >= 0; i--)
        {
            if (await DescribeAsync(system, refs[i], useCache: true, cancellationToken).ConfigureAwait(false) is { } listing)
            {
                result.Add(listing);
            }
        }

        return result;
    }

    /// <summary>One row per system: latest sequence, count, bytes, last saved.</summary>
    public Task<IReadOnlyList<SystemSummary>> ListSystemsAsync(CancellationToken cancellationToken = default) =>
        ListSystemsAsync(countChunks: true, cancellationToken);

    /// <summary>One summary per system with at least one snapshot.</summary>
    /// <param name="countChunks">Whether <see cref="SystemSummary.Chunks"/> and <see cref="SystemSummary.ChunkBytes"/> are
    /// counted: that lists every system's chunk folder or table, which a frequent caller (a dashboard's list of systems)
    /// need not pay for. When <see langword="false"/>, both are 0.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public async Task<IReadOnlyList<SystemSummary>> ListSystemsAsync(bool countChunks, CancellationToken cancellationToken = default)
    {
        var result = new List<SystemSummary>();
        await foreach (var system in _store.ListSystemsAsync(cancellationToken).ConfigureAwait(false))
        {
            var listing = await ListAsync(system, cancellationToken).ConfigureAwait(false);
            var latest = await RetryAsync(ct => new ValueTask<long>(_store.GetLatestSequenceAsync(system, ct)), cancellationToken).ConfigureAwait(false);
            var valid = listing.Where(l => l.IsValid).ToList();
            var chunks = countChunks && _store is ISnapshotStoreWithChunks chunkStore ? await ListChunkLengthsAsync(chunkStore, system, cancellationToken).ConfigureAwait(false) : [];
            result.Add(new SystemSummary(
                system,
                latest,
                listing.Count,
                listing.Sum(l => l.StoredBytes),
                valid.FirstOrDefault()?.Metadata?.CreatedUtc,
                valid.LastOrDefault()?.Metadata?.CreatedUtc,
                listing.Count - valid.Count)
            {
                Chunks = chunks.Count,
                ChunkBytes = chunks.Values.Sum(),
            });
        }

        return result;
    }

    /// <summary>Makes a copy of snapshot <paramref name="sequence"/> the newest one; history is kept.</summary>
    /// <returns>The new snapshot, or <see langword="null"/> when <paramref name="sequence"/> does not exist.</returns>
    /// <exception cref="SnapshotCorruptedException">The snapshot to restore failed verification.</exception>
    public async Task<SnapshotMetadata?> RestoreAsync(string system, long sequence, SaveOptions? options = null, CancellationToken cancellationToken = default)
    {
        var snapshot = await LoadJsonAsync(system, sequence, cancellationToken).ConfigureAwait(false);
        if (snapshot is null)
        {
            return null;
        }

        var attributes = new Dictionary<string, string>(snapshot.Metadata.Attributes, StringComparer.Ordinal);
        foreach (var (key, value) in options?.Attributes ?? new Dictionary<string, string>())
        {
            attributes[key] = value;
        }

        attributes["restored_from"] = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await SaveCoreAsync(
            system,
            snapshot.Json,
            snapshot.Metadata.StateType,
            snapshot.Metadata.SchemaVersion,
            (options ?? new SaveOptions()) with { Attributes = attributes, Tags = options?.Tags.Count > 0 ? options.Tags : snapshot.Metadata.Tags },
            retention: null,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The changed JSON paths between two snapshots, with old and new values.</summary>
    /// <returns><see langword="null"/> when either snapshot does not exist.</returns>
    public async Task<SnapshotDiff?> DiffAsync(string system, long fromSequence, long toSequence, CancellationToken cancellationToken = default)
    {
        var from = await LoadJsonAsync(system, fromSequence, cancellationToken).ConfigureAwait(false);
        var to = await LoadJsonAsync(system, toSequence, cancellationToken).ConfigureAwait(false);
        if (from is null || to is null)
        {
            return null;
        }

        var changes = new List<JsonChange>();
        JsonDiff.Compare(JsonNode.Parse(from.Json.Span), JsonNode.Parse(to.Json.Span), JsonPath.Root, changes);
        return new SnapshotDiff(system, fromSequence, toSequence, changes);
    }

    /// <summary>Reads and checks every snapshot of one system, or of all systems. Changes nothing.</summary>
    /// <param name="system">One system, or <see langword="null"/> for all.</param>
    /// <param name="progress">Receives the number of snapshots checked so far.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public async Task<VerifyReport> VerifyAsync(string? system = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var systems = await SystemsAsync(system, cancellationToken).ConfigureAwait(false);
        var results = new List<SnapshotListing>();
        foreach (var name in systems)
        {
            foreach (var item in await ListRefsAsync(name, cancellationToken).ConfigureAwait(false))
            {
                if (await DescribeAsync(name, item, useCache: false, cancellationToken).ConfigureAwait(false) is { } listing)
                {
                    results.Add(listing);
                }

                progress?.Report(results.Count);
            }
        }

        return new VerifyReport(results);
    }

    /// <summary>Counts the snapshots <see cref="VerifyAsync"/> would check.</summary>
    public async Task<int> CountSnapshotsAsync(string? system = null, CancellationToken cancellationToken = default)
    {
        var count = 0;
        foreach (var name in await SystemsAsync(system, cancellationToken).ConfigureAwait(false))
        {
            count += (await ListRefsAsync(name, cancellationToken).ConfigureAwait(false)).Count;
        }

        return count;
    }

    /// <summary>
    /// Applies a retention policy to one system or all. Damaged snapshots are quarantined, never deleted, and never count.
    /// </summary>
    /// <param name="system">One system, or <see langword="null"/> for all.</param>
    /// <param name="policy">The policy; default: each system's configured policy.</param>
    /// <param name="dryRun">Plan only: nothing is removed or moved.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public async Task<PruneResult> PruneAsync(string? system = null, RetentionPolicy? policy = null, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        policy?.Validate();
        var plans = new List<RetentionPlan>();
        var quarantined = new List<SnapshotListing>();
        var chunksDeleted = 0;
        long chunkBytesFreed = 0;
        foreach (var name in await SystemsAsync(system, cancellationToken).ConfigureAwait(false))
        {
            var (plan, moved) = await ApplyRetentionAsync(name, policy ?? _options.RetentionFor(name), dryRun, justWritten: null, cancellationToken).ConfigureAwait(false);
            plans.Add(plan);
            quarantined.AddRange(moved);
            // A dry run counts the chunks unreferenced now (the snapshots it would remove still reference theirs).
            var collected = await CollectChunksAsync(name, dryRun, cancellationToken).ConfigureAwait(false);
            chunksDeleted += collected.Deleted;
            chunkBytesFreed += collected.BytesFreed;
        }

        return new PruneResult(dryRun, plans, quarantined) { ChunksDeleted = chunksDeleted, ChunkBytesFreed = chunkBytesFreed };
    }

    /// <summary>Deletes one snapshot.</summary>
    /// <returns><see langword="false"/> when it did not exist.</returns>
    public async Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken = default)
    {
        SystemName.Validate(system);
        var deleted = await RetryAsync(ct => new ValueTask<bool>(_store.DeleteAsync(system, sequence, ct)), cancellationToken).ConfigureAwait(false);
        ForgetDeleted(system, sequence);
        return deleted;
    }

    /// <summary>The highest sequence ever allocated for a system (0 when none).</summary>
    public Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken = default)
    {
        SystemName.Validate(system);
        return RetryAsync(ct => new ValueTask<long>(_store.GetLatestSequenceAsync(system, ct)), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _metrics.Dispose();
        if (_ownsStore)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <param name="system">The system.</param>
    /// <param name="json">The state's JSON.</param>
    /// <param name="stateType">The state type's name.</param>
    /// <param name="schemaVersion">The state's schema version.</param>
    /// <param name="options">The save's options.</param>
    /// <param name="retention">Retention started before the state was serialized, or <see langword="null"/> to start it here.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    private async Task<SnapshotMetadata> SaveCoreAsync(string system, ReadOnlyMemory<byte> json, string stateType, int schemaVersion, SaveOptions? options, PlannedRetention? retention, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        if (json.Length > _options.MaxStateBytes)
        {
            // What could not be loaded back must not be saved.
            retention?.Abandon();
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The state of '{system}' is {json.Length} bytes, more than the maximum state size ({_options.MaxStateBytes} bytes, SnapshotVaultOptions.MaxStateBytes)."), nameof(json));
        }

        retention ??= StartRetention(system, options, json.Length, cancellationToken);
        var planned = retention.Plan;
        var planAwaited = false;
        IDisposable? chunkLock = null;
        try
        {
            // The header gets copies, taken before they are scanned: the vault remembers the header (listings, retention's
            // keep-tagged), and a caller may reuse its own list or dictionary for the next save. The stored ones count.
            IReadOnlyList<string> tags = options?.Tags is { Count: > 0 } givenTags ? [.. givenTags] : [];
            var attributes = options?.Attributes is { } givenAttributes ? new Dictionary<string, string>(givenAttributes, StringComparer.Ordinal) : new Dictionary<string, string>();
            ApplyHeaderSecretPolicy(system, stateType, tags, attributes);
            var codec = _options.Compression.Select(system, json.Length, _store.Capabilities.CompressionPays);
            SnapshotCodecs.PooledPayload encoded;
            var chunkStore = ChunkStoreFor(json.Length);
            var secretsApplied = chunkStore is not null;
            PreparedChunks? prepared = null;
            if (secretsApplied)
            {
                // Chunked: the secret policy sees the whole JSON first (a secret may straddle a chunk edge); the threshold
                // applies to the state after it. Nothing is written before the scan's verdict, but the chunks are cut and
                // hashed meanwhile, on this core and the others (the scan takes one): those pieces serve unless the policy
                // redacted the JSON.
                if (ScansAside)
                {
                    (json, prepared, _) = await WhileScanningAsync(system, json, j => PrepareChunks(j, cancellationToken), static _ => { }).ConfigureAwait(false);
                }
                else
                {
                    json = ApplySecretPolicy(system, json, findings: null);
                }

                chunkStore = ChunkStoreFor(json.Length);
            }

            long chunkBytesWritten = 0;
            if (chunkStore is not null)
            {
                // Each chunk gets the codec the whole state would get.
                var chunkCodec = _options.Compression.Select(system, json.Length, _store.Capabilities.CompressionPays);
                chunkLock = await ChunkLock(system).EnterSharedAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var chunked = await PutChunksAsync(chunkStore, system, prepared ?? PrepareChunks(json, cancellationToken), chunkCodec, cancellationToken).ConfigureAwait(false);
                    codec = ChunkManifest.Codec;
                    encoded = new SnapshotCodecs.PooledPayload(chunked.Manifest, null);
                    chunkBytesWritten = chunked.ChunkBytesWritten;
                }
                catch (NotSupportedException ex)
                {
                    // The store presents chunks but keeps none behind it: this save and the next ones are stored whole.
                    _chunksUnsupported = true;
                    Log.ChunksUnsupported(_logger, system, _store.Kind, ex);
                    chunkLock.Dispose();
                    chunkLock = null;
                    encoded = SnapshotCodecs.EncodePooled(codec, json);
                }
            }
            else if (!secretsApplied && ScansAside && codec != SnapshotCodecs.Identity && json.Length >= ParallelScanThreshold)
            {
                // A large state: scan on another core while this one compresses. Only a state with secret-looking
                // values (rare, and then the save fails or is redacted) pays for the compression twice.
                bool kept;
                (json, encoded, kept) = await WhileScanningAsync(system, json, j => SnapshotCodecs.EncodePooled(codec, j), static e => e.Dispose()).ConfigureAwait(false);
                if (!kept)
                {
                    codec = _options.Compression.Select(system, json.Length, _store.Capabilities.CompressionPays);
                    encoded = SnapshotCodecs.EncodePooled(codec, json);
                }
            }
            else
            {
                json = secretsApplied ? json : ApplySecretPolicy(system, json, findings: null);
                codec = _options.Compression.Select(system, json.Length, _store.Capabilities.CompressionPays);
                encoded = SnapshotCodecs.EncodePooled(codec, json);
            }

            if (codec != SnapshotCodecs.Identity && codec != ChunkManifest.Codec && json.Length > encoded.Memory.Length * (long)_options.MaxExpansionRatio)
            {
                // Compressed beyond the ratio a load accepts (a state of one repeated value): stored as plain JSON, so it
                // loads back; such a state is rare and the ratio bound is what protects every reader from crafted ones.
                encoded.Dispose();
                codec = SnapshotCodecs.Identity;
                encoded = SnapshotCodecs.EncodePooled(codec, json);
            }

            using var encodedScope = encoded;
            var payload = encoded.Memory;
            var sha = SnapshotEnvelope.Sha256Hex(payload.Span);
            var created = retention.Created;
            SnapshotHeader? written = null;
            long envelopeLength = 0;
            UInt128 fingerprint = default;
            // One token for every attempt of this save; the last sequence an attempt built an envelope for stays unsettled
            // when the attempt fails: its write may have landed with the reply lost.
            var writer = Guid.NewGuid().ToString("N");
            long? unsettled = null;
            // The lowest number an attempt of this save allocated, set before its bytes reach the store: retention's
            // listing, which may run while the append writes, leaves out everything from there up.
            var allocated = retention.Allocated;
            EnvelopeBytes CreateEnvelope(long seq)
            {
                // Every store's append comes through here: a number out of range (a store that wrapped past
                // long.MaxValue, or reached the bound) is refused before a byte is written.
                EnsureSequenceInRange(system, seq);
                unsettled = seq;
                if (seq < Volatile.Read(ref allocated.Value))
                {
                    Volatile.Write(ref allocated.Value, seq);
                }

                written = new SnapshotHeader
                {
                    System = system,
                    Sequence = seq,
                    CreatedUtc = created,
                    SchemaVersion = schemaVersion,
                    StateType = stateType,
                    Codec = codec,
                    StoredLength = payload.Length,
                    RawLength = json.Length,
                    Sha256 = sha,
                    Producer = _options.Producer,
                    Writer = writer,
                    Tags = tags,
                    Attributes = attributes,
                };
                var envelope = SnapshotEnvelope.Create(written, payload);
                envelopeLength = envelope.Length;
                fingerprint = Fingerprint(envelope);
                return envelope;
            }

            // A store that deletes in the append's own commit (see StartRetention): the store asks for the plan as late as it can.
            // When the listing or the plan fails, the ordinary path runs after the append instead (and meets the failure there).
            var pruneInAppend = planned is null ? null : (ISnapshotStoreWithPruningAppend)_store;
            // Whether the save ended by finding its own write after a lost reply: the attempt that stored it may have
            // failed before its deletes (a folder fsync that failed after the rename), so the plan is not known to be done.
            var ownWriteFound = false;
            // What the plan inside the append's transaction deleted (its last attempt), or null when it declined.
            IReadOnlyCollection<long>? prunedInAppend = null;
            // The store's change epoch the last attempt's transaction ran in, when it planned inside the append.
            long? writtenInEpoch = null;
            // When the append fails, nothing was stored: the plan goes unused (its task is observed in the finally below).
            var sequence = await RetryAsync(
                async ct =>
                {
                    if (unsettled is { } candidate)
                    {
                        // Before appending again, look for our own write: retrying blindly would store the state twice, or
                        // report a conflict with ourselves. A read that fails transiently is retried like the append.
                        if (await IsOwnWriteAsync(system, candidate, writer, ct).ConfigureAwait(false))
                        {
                            Log.LostReplyFound(_logger, system, candidate);
                            ownWriteFound = true;
                            return candidate;
                        }

                        unsettled = null;
                    }

                    if (retention.InAppend)
                    {
                        prunedInAppend = null;
                        writtenInEpoch = null;
                        return await ((ISnapshotStoreWithListingAppend)_store).AppendPlannedAsync(
                            system,
                            options?.ExpectedLatestSequence,
                            CreateEnvelope,
                            listing =>
                            {
                                writtenInEpoch = listing.ChangeEpoch;
                                return prunedInAppend = PlanInAppend(system, listing, created, tags);
                            },
                            ct).ConfigureAwait(false);
                    }

                    return planned is not null
                        ? await pruneInAppend!.AppendAsync(system, options?.ExpectedLatestSequence, CreateEnvelope, async _ => await planned.ConfigureAwait(false) ?? [], ct).ConfigureAwait(false)
                        : await _store.AppendAsync(system, options?.ExpectedLatestSequence, CreateEnvelope, ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);

            IReadOnlyCollection<long>? pruned = retention.InAppend && !ownWriteFound ? prunedInAppend : null;
            if (planned is not null && !ownWriteFound)
            {
                try
                {
                    planAwaited = true;
                    pruned = await planned.ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // Cancellation after the commit point, or a failure the plan did not expect: the save stands.
                    Log.RetentionFailed(_logger, system, ex);
                }
            }

            // The envelope is the commit point: its chunks are referenced now, so collection may run again.
            chunkLock?.Dispose();
            chunkLock = null;
            var header = written! with { Sequence = sequence };
            // Of the bytes handed to the store (a torn or damaged write differs), and written in that epoch unless found after a lost reply.
            _verified[(system, sequence)] = new VerifiedSnapshot(envelopeLength, header, fingerprint, ownWriteFound ? null : writtenInEpoch);
            var metadata = SnapshotMetadata.FromHeader(header);
            var elapsed = _time.GetElapsedTime(started);
            _metrics.RecordSave(system, _store.Kind, "success", elapsed, payload.Length + chunkBytesWritten);
            Log.Saved(_logger, system, sequence, payload.Length + chunkBytesWritten, codec, elapsed.TotalMilliseconds);

            if (pruned is not null)
            {
                foreach (var gone in pruned)
                {
                    ForgetDeleted(system, gone);
                    Log.Pruned(_logger, system, gone, "pruned in the save's commit");
                }

                if (pruned.Count > 0)
                {
                    _metrics.RecordPruned(system, _store.Kind, pruned.Count);
                }
            }
            else if (_options.PruneAfterSave)
            {
                try
                {
                    await ApplyRetentionAsync(system, _options.RetentionFor(system), dryRun: false, justWritten: sequence, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // The snapshot is durable and acknowledged from here on: failing the save now would make a caller
                    // save again (a duplicate) or believe the state was lost. Retention is reported, and the next save
                    // or prune tries again. This includes cancellation requested after the commit point.
                    Log.RetentionFailed(_logger, system, ex);
                }
            }

            await CollectChunksAfterSaveAsync(system, cancellationToken).ConfigureAwait(false);
            return metadata;
        }
        catch (SnapshotConcurrencyException)
        {
            _metrics.RecordSave(system, _store.Kind, "conflict", _time.GetElapsedTime(started), 0);
            throw;
        }
        catch (SecretDetectedException)
        {
            _metrics.RecordSave(system, _store.Kind, "rejected", _time.GetElapsedTime(started), 0);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ArgumentException)
        {
            _metrics.RecordSave(system, _store.Kind, "failure", _time.GetElapsedTime(started), 0);
            Log.SaveFailed(_logger, system, ex.GetType().Name, ex);
            throw;
        }
        finally
        {
            chunkLock?.Dispose();
            if (!planAwaited)
            {
                retention.Abandon();
            }
        }
    }

    /// <summary>
    /// Starts retention for a save on a store that deletes in the append's own commit: retention is planned with the new
    /// snapshot counted, so the save is one durable commit instead of one per pruned snapshot. Listing and verifying the
    /// snapshots kept run on another thread from here on, while the state is serialized, encoded, written and flushed
    /// (the listing leaves out the number the append allocates, should it see the new snapshot already).
    /// </summary>
    /// <param name="system">The system.</param>
    /// <param name="options">The save's options.</param>
    /// <param name="length">The state's JSON length when known (else the system's last).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    private PlannedRetention StartRetention(string system, SaveOptions? options, int? length, CancellationToken cancellationToken)
    {
        var created = options?.CreatedUtc?.ToUniversalTime() ?? _time.GetUtcNow();
        var allocated = new StrongBox<long>(long.MaxValue);
        // A store that lists inside the append's transaction: retention is planned there, from what this vault verified,
        // unless the state is large (its envelopes would be re-read under the store's write lock) or chunked (a chunked
        // snapshot is re-checked against a chunk listing, which the ordinary plan makes).
        var expectedLength = length ?? (_lastStateLength.TryGetValue(system, out var last) ? last : 0);
        var inAppend = _options.PruneAfterSave && _store is ISnapshotStoreWithListingAppend
            && expectedLength <= PlanInAppendMaxBytes && ChunkStoreFor(expectedLength) is null;
        var plan = _options.PruneAfterSave && !inAppend && _store is ISnapshotStoreWithPruningAppend
            ? Task.Run(() => PlanPruneWithAppendAsync(system, allocated, created, options?.Tags ?? [], cancellationToken), CancellationToken.None)
            : null;
        return new PlannedRetention(created, allocated, plan, inAppend);
    }

    /// <summary>
    /// Retention planned inside the append's transaction (<see cref="ISnapshotStoreWithListingAppend"/>), from the listing
    /// there, when every listed snapshot is one this vault verified or wrote (same length) and every one the plan keeps
    /// still has the bytes it verified (same fingerprint, read in the transaction). Anything else (a snapshot another writer
    /// stored, one damaged since, a chunked or large one) declines: the append commits without deletes, and the ordinary
    /// path runs after it and does the full checks.
    /// </summary>
    /// <returns>The sequences to delete with the append, or <see langword="null"/> when it declined.</returns>
    private IReadOnlyCollection<long>? PlanInAppend(string system, AppendListing listing, DateTimeOffset created, IReadOnlyList<string> tags)
    {
        var candidates = new List<RetentionPlanner.Candidate>(listing.Snapshots.Count);
        foreach (var item in listing.Snapshots)
        {
            if (item.Sequence == listing.Sequence)
            {
                continue; // the new one: counted as the pending snapshot below
            }

            if (item.Sequence > listing.Sequence || item.Length > PlanInAppendMaxBytes || !TryGetVerified(system, item, out var cached))
            {
                return null;
            }

            candidates.Add(new RetentionPlanner.Candidate(item.Sequence, cached.Header.CreatedUtc, cached.Header.Tags, IsValid: true));
        }

        candidates.Add(new RetentionPlanner.Candidate(listing.Sequence, created, tags, IsValid: true));
        var plan = RetentionPlanner.Plan(system, candidates, _options.RetentionFor(system));
        var removed = plan.Removed.Select(d => d.Sequence).Where(s => s != listing.Sequence).ToList();
        if (removed.Count == 0)
        {
            return removed;
        }

        // Before anything older is deleted on their strength, the snapshots the plan keeps are read again (as
        // PlanRetentionAsync's re-check does): bytes with the fingerprint they were verified or written with are those bytes.
        // Not those this vault wrote or read again in the store's current change epoch: nothing but the store's own writer
        // has changed the database since, and that writer never rewrites a stored snapshot, so the read would give the same
        // bytes (SQLite serves it from the writer's page cache, which only another connection's commit invalidates).
        foreach (var kept in plan.Kept)
        {
            if (kept.Sequence == listing.Sequence)
            {
                continue;
            }

            if (!TryGetComparable(system, kept.Sequence, out var known))
            {
                return null;
            }

            if (listing.ChangeEpoch is { } epoch && known.StoreEpoch == epoch)
            {
                continue;
            }

            if (listing.Read(kept.Sequence) is not { } bytes || XxHash128.HashToUInt128(bytes) != known.Fingerprint)
            {
                return null;
            }

            if (listing.ChangeEpoch is { } readIn)
            {
                _verified.TryUpdate((system, kept.Sequence), known with { StoreEpoch = readIn }, known);
            }
        }

        ForgetFingerprints(system, removed);
        return removed;
    }

    /// <summary>Whether the snapshot stored at <paramref name="sequence"/> is the one the save with token <paramref name="writer"/> wrote.</summary>
    private async Task<bool> IsOwnWriteAsync(string system, long sequence, string writer, CancellationToken cancellationToken)
    {
        var stored = await _store.ReadAsync(system, sequence, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return false;
        }

        try
        {
            var header = SnapshotEnvelope.ReadHeader(stored);
            return header.System == system && header.Sequence == sequence && string.Equals(header.Writer, writer, StringComparison.Ordinal);
        }
        catch (EnvelopeFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Every store's append builds its envelope through the vault: a number out of range (a store that wrapped past
    /// <see cref="long.MaxValue"/>, or went past the bound) is refused here, before a byte is written, on every store.
    /// </summary>
    private static void EnsureSequenceInRange(string system, long sequence)
    {
        if (sequence > SnapshotSequence.MaxValue)
        {
            // A store that allocated past the bound: the system is full, a condition the caller can see and act on (409), not a store fault.
            throw new SnapshotSequenceExhaustedException(system, sequence - 1);
        }

        if (!SnapshotSequence.IsValid(sequence))
        {
            throw new SnapshotStoreException(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The store allocated sequence {sequence} for '{system}', out of range ({SnapshotSequence.MinValue} to {SnapshotSequence.MaxValue}); nothing was written."),
                isTransient: false);
        }
    }

    /// <summary>
    /// The header's strings (state type, producer, tags, attributes) are scanned with the rules an envelope made elsewhere
    /// meets (<see cref="IncomingEnvelope"/>). Before any chunk or envelope is written. <see cref="SecretPolicy.Redact"/>
    /// rejects too: a tag or an attribute replaced by a marker would no longer mean what the caller asked for.
    /// </summary>
    private void ApplyHeaderSecretPolicy(string system, string stateType, IReadOnlyList<string> tags, IReadOnlyDictionary<string, string> attributes)
    {
        if (_options.SecretPolicy == SecretPolicy.Off)
        {
            return;
        }

        // The state type and the producer are the same save after save: each is classified again only when it changed
        // since the last one found clean.
        var producer = _options.Producer;
        var checkStateType = !string.Equals(stateType, Volatile.Read(ref _cleanStateType), StringComparison.Ordinal);
        var checkProducer = !string.Equals(producer, Volatile.Read(ref _cleanProducer), StringComparison.Ordinal);
        var findings = new List<SecretFinding>();
        IncomingEnvelope.AddHeaderFindings(checkStateType ? stateType : null, checkProducer ? producer : null, tags, attributes, findings);
        if (findings.Count > 0)
        {
            Log.SecretRejected(_logger, system, string.Join(", ", findings.Select(f => $"{f.Path} ({f.Kind})")));
            throw new SecretDetectedException(system, findings);
        }

        Volatile.Write(ref _cleanStateType, stateType);
        Volatile.Write(ref _cleanProducer, producer);
    }

    /// <summary>Whether a save may scan for secrets on another core while this one works on the same bytes (see <see cref="WhileScanningAsync"/>).</summary>
    private bool ScansAside => _options.SecretPolicy != SecretPolicy.Off && Environment.ProcessorCount > 1;

    /// <summary>
    /// Runs <paramref name="work"/> over <paramref name="json"/> on this thread while the secret scan of the same bytes runs
    /// on another core, then applies the secret policy with the scan's findings. Work over a state with findings is handed
    /// to <paramref name="discard"/> and not returned (<c>Kept</c> is false): the policy redacts the JSON (returned), or
    /// rejects the state (throws). The work must write nothing: it runs before the verdict.
    /// </summary>
    private async Task<(ReadOnlyMemory<byte> Json, T Result, bool Kept)> WhileScanningAsync<T>(string system, ReadOnlyMemory<byte> json, Func<ReadOnlyMemory<byte>, T> work, Action<T> discard)
    {
        var scan = Task.Run(() => SecretScanner.Scan(json.Span), CancellationToken.None);
        T result;
        try
        {
            result = work(json);
        }
        finally
        {
            // Observed whatever happens to the work: its verdict, or the work's failure, is what the caller meets.
            await ((Task)scan).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        IReadOnlyList<SecretFinding> findings;
        try
        {
            findings = await scan.ConfigureAwait(false);
        }
        catch
        {
            discard(result);
            throw;
        }

        if (findings.Count == 0)
        {
            return (json, result, true);
        }

        discard(result);
        return (ApplySecretPolicy(system, json, findings), default!, false);
    }

    private ReadOnlyMemory<byte> ApplySecretPolicy(string system, ReadOnlyMemory<byte> json, IReadOnlyList<SecretFinding>? findings)
    {
        if (_options.SecretPolicy == SecretPolicy.Off)
        {
            return json;
        }

        findings ??= SecretScanner.Scan(json.Span);
        if (findings.Count == 0)
        {
            return json;
        }

        if (_options.SecretPolicy == SecretPolicy.Reject)
        {
            Log.SecretRejected(_logger, system, string.Join(", ", findings.Select(f => $"{f.Path} ({f.Kind})")));
            throw new SecretDetectedException(system, findings);
        }

        var (redacted, replaced, unredactable) = SecretScanner.Redact(json.Span);
        if (unredactable.Count > 0)
        {
            throw new SecretDetectedException(system, unredactable);
        }

        Log.SecretRedacted(_logger, system, replaced.Count, string.Join(", ", replaced.Select(f => f.Path)));
        return redacted;
    }

    private T Loaded<T>(string system, long started, long sequence, T result, List<SkippedSnapshot> skipped)
    {
        _metrics.RecordLoad(system, _store.Kind, _time.GetElapsedTime(started), fellBack: skipped.Count > 0);
        if (skipped.Count > 0)
        {
            Log.FellBack(_logger, system, sequence, string.Join(", ", skipped.Select(s => s.Sequence)));
        }

        return result;
    }

    /// <summary>The state a verified snapshot holds, upcast to the current schema.</summary>
    /// <param name="system">The system.</param>
    /// <param name="header">The snapshot's header.</param>
    /// <param name="json">Its JSON.</param>
    /// <param name="state">The state, when this returns <see langword="true"/>.</param>
    /// <param name="problem">Why it could not be deserialized; <see langword="null"/> with <see langword="false"/> when it holds JSON null.</param>
    /// <exception cref="SnapshotSchemaException">A schema newer than the code, or a missing upcaster.</exception>
    private bool TryDeserialize<TState>(string system, SnapshotHeader header, ReadOnlyMemory<byte> json, [NotNullWhen(true)] out TState? state, out JsonException? problem)
    {
        problem = null;
        try
        {
            var node = Upcast<TState>(system, header, json);
            state = node is null ? JsonSerializer.Deserialize<TState>(json.Span, _json) : node.Deserialize<TState>(_json);
        }
        catch (JsonException ex)
        {
            state = default;
            problem = ex;
        }

        return state is not null;
    }

    private JsonNode? Upcast<TState>(string system, SnapshotHeader header, ReadOnlyMemory<byte> json)
    {
        var known = UpcasterRegistry.GetVersion(typeof(TState));
        if (header.SchemaVersion == known)
        {
            return null;
        }

        if (header.SchemaVersion > known)
        {
            throw new SnapshotSchemaException(system, header.Sequence, header.SchemaVersion, known, "the snapshot was written by newer code; refusing to guess.");
        }

        var node = JsonNode.Parse(json.Span) ?? throw new SnapshotSchemaException(system, header.Sequence, header.SchemaVersion, known, "the snapshot holds JSON null.");
        for (var version = header.SchemaVersion; version < known; version++)
        {
            if (!_options.Upcasters.TryGet(typeof(TState), version, out var upcast))
            {
                throw new SnapshotSchemaException(system, header.Sequence, header.SchemaVersion, known, $"no upcaster from version {version} to {version + 1} is registered for {typeof(TState).Name}.");
            }

            node = upcast(node);
        }

        return node;
    }

    private async Task<List<string>> SystemsAsync(string? system, CancellationToken cancellationToken)
    {
        if (system is not null)
        {
            return [SystemName.Validate(system)];
        }

        var names = new List<string>();
        await foreach (var name in _store.ListSystemsAsync(cancellationToken).ConfigureAwait(false))
        {
            names.Add(name);
        }

        return names;
    }

    private async Task<List<StoredSnapshotRef>> ListRefsAsync(string system, CancellationToken cancellationToken) =>
        await RetryAsync(
            async ct =>
            {
                var refs = new List<StoredSnapshotRef>();
                await foreach (var item in _store.ListAsync(system, ct).ConfigureAwait(false))
                {
                    refs.Add(item);
                }

                return refs;
            },
            cancellationToken).ConfigureAwait(false);

    private async Task<SnapshotHeader?> ReadHeaderAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        if (_verified.TryGetValue((system, sequence), out var cached))
        {
            return cached.Header;
        }

        var opened = await OpenAsync(system, sequence, quarantineIfDamaged: false, cancellationToken).ConfigureAwait(false);
        return opened.Header;
    }

    /// <returns><see langword="null"/> when the snapshot vanished (deleted by another writer) after it was listed.</returns>
    private Task<SnapshotListing?> DescribeAsync(string system, StoredSnapshotRef item, bool useCache, CancellationToken cancellationToken) =>
        DescribeAsync(system, item, useCache, listedChunks: null, cancellationToken);

    private async Task<SnapshotListing?> DescribeAsync(string system, StoredSnapshotRef item, bool useCache, Func<Task<Dictionary<string, long>>>? listedChunks, CancellationToken cancellationToken)
    {
        if (useCache && CachedListing(system, item) is { } cached)
        {
            return cached;
        }

        var opened = await OpenCoreAsync(system, item.Sequence, quarantineIfDamaged: false, listedChunks, cancellationToken).ConfigureAwait(false);
        if (opened.Damaged is { } damaged)
        {
            return new SnapshotListing(system, item.Sequence, item.Length, null, damaged.Reason);
        }

        // A snapshot deleted between listing and reading is gone, not damaged: it must not count as corrupt.
        return opened.Header is null
            ? null
            : new SnapshotListing(system, item.Sequence, item.Length, SnapshotMetadata.FromHeader(opened.Header), null);
    }

    /// <summary>The listing of a snapshot this vault verified or wrote, when the store lists it at the same length.</summary>
    private SnapshotListing? CachedListing(string system, StoredSnapshotRef item) =>
        TryGetVerified(system, item, out var cached)
            ? new SnapshotListing(system, item.Sequence, item.Length, SnapshotMetadata.FromHeader(cached.Header), null)
            : null;

    /// <summary>What this vault knows of a snapshot it verified or wrote, when the store lists it at the same length.</summary>
    private bool TryGetVerified(string system, StoredSnapshotRef item, out VerifiedSnapshot verified) =>
        _verified.TryGetValue((system, item.Sequence), out verified) && verified.Length == item.Length;

    /// <summary>Reads and fully verifies one snapshot; decodes its payload. Never throws for damage: reports it.</summary>
    private Task<OpenedSnapshot> OpenAsync(string system, long sequence, bool quarantineIfDamaged, CancellationToken cancellationToken) =>
        OpenCoreAsync(system, sequence, quarantineIfDamaged, listedChunks: null, cancellationToken);

    /// <param name="system">The system.</param>
    /// <param name="sequence">The snapshot.</param>
    /// <param name="quarantineIfDamaged">Whether a damaged snapshot is moved to quarantine.</param>
    /// <param name="listedChunks">For retention's re-check only: a chunked snapshot's chunks are checked against this
    /// listing (presence, plausible length) instead of being read; the result then carries no JSON.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    private async Task<OpenedSnapshot> OpenCoreAsync(string system, long sequence, bool quarantineIfDamaged, Func<Task<Dictionary<string, long>>>? listedChunks, CancellationToken cancellationToken)
    {
        byte[]? bytes;
        try
        {
            bytes = await RetryAsync(ct => new ValueTask<byte[]?>(_store.ReadAsync(system, sequence, ct)), cancellationToken).ConfigureAwait(false);
        }
        catch (SnapshotCorruptedException ex)
        {
            // A store that will not load the bytes (a file far larger than any snapshot) reports damage, not a failure.
            return await DamagedAsync(system, sequence, ex.Reason, quarantineIfDamaged, cancellationToken).ConfigureAwait(false);
        }

        return bytes is null
            ? default
            : await OpenBytesAsync(system, sequence, bytes, quarantineIfDamaged, listedChunks, reportDamage: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads and opens the newest snapshot of <paramref name="system"/> (in one step on a store that can: see
    /// <see cref="ISnapshotStoreWithLatestRead"/>). Damage is found but not reported: a load that cannot use this snapshot
    /// lists, and hands it to <see cref="OpenListedAsync"/>, which reports it (and quarantines) without reading it again.
    /// </summary>
    /// <returns><see langword="null"/> when the system has no snapshot, or its newest one went before it was read.</returns>
    private async Task<NewestSnapshot?> OpenNewestAsync(string system, CancellationToken cancellationToken)
    {
        LatestSnapshot? newest;
        try
        {
            newest = await RetryAsync(ct => new ValueTask<LatestSnapshot?>(_store.ReadNewestAsync(system, ct)), cancellationToken).ConfigureAwait(false);
        }
        catch (SnapshotCorruptedException ex)
        {
            // A store that will not load the bytes (a file far larger than any snapshot, a body failing its checksum on every read).
            return new NewestSnapshot(ex.Sequence, new OpenedSnapshot(null, default, new SkippedSnapshot(ex.Sequence, ex.Reason, Quarantined: false)));
        }

        return newest is { } found
            ? new NewestSnapshot(found.Sequence, await OpenBytesAsync(system, found.Sequence, found.Envelope, quarantineIfDamaged: false, listedChunks: null, reportDamage: false, cancellationToken).ConfigureAwait(false))
            : null;
    }

    /// <summary>
    /// A load's open of a listed snapshot: the newest one as <see cref="OpenNewestAsync"/> already read it (its damage now
    /// reported and quarantined), any other read, verified and, if damaged, quarantined.
    /// </summary>
    private async Task<OpenedSnapshot> OpenListedAsync(string system, long sequence, NewestSnapshot? newest, CancellationToken cancellationToken)
    {
        if (newest is not { } read || read.Sequence != sequence)
        {
            return await OpenAsync(system, sequence, quarantineIfDamaged: true, cancellationToken).ConfigureAwait(false);
        }

        return read.Opened.Damaged is { } damaged
            ? await DamagedAsync(system, sequence, damaged.Reason, quarantineIfDamaged: true, cancellationToken).ConfigureAwait(false)
            : read.Opened;
    }

    /// <summary>Verifies and decodes the bytes read for one snapshot (see <see cref="OpenCoreAsync"/>).</summary>
    /// <param name="system">The system.</param>
    /// <param name="sequence">The snapshot.</param>
    /// <param name="bytes">Its envelope, as read.</param>
    /// <param name="quarantineIfDamaged">Whether a damaged snapshot is moved to quarantine.</param>
    /// <param name="listedChunks">As for <see cref="OpenCoreAsync"/>.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <param name="reportDamage">Whether damage is handled here (forgotten, counted, logged, and quarantined with
    /// <paramref name="quarantineIfDamaged"/>); otherwise it is only returned.</param>
    private async Task<OpenedSnapshot> OpenBytesAsync(string system, long sequence, byte[] bytes, bool quarantineIfDamaged, Func<Task<Dictionary<string, long>>>? listedChunks, bool reportDamage, CancellationToken cancellationToken)
    {
        string reason;
        UInt128? fingerprint = null;
        if (listedChunks is null && _verified.TryGetValue((system, sequence), out var known) && known is { Fingerprint: { } expected } && known.Length == bytes.LongLength)
        {
            fingerprint = XxHash128.HashToUInt128(bytes);
            if (fingerprint == expected && known.Header.Codec != ChunkManifest.Codec)
            {
                // The very bytes this vault built and handed to the store, or read back and fully verified before (same
                // length, same 128-bit fingerprint): their header is the one held here (built from copies of the caller's
                // tags and attributes, so it is what a parse of these bytes gives), and their SHA-256 matched when it was
                // computed over them. Neither is parsed nor hashed again. Any other bytes, a flipped bit among them, take the
                // full path below, and so does a chunked snapshot (its chunks are read and checked there). The payload is the
                // envelope's tail, decoded as always.
                var json = SnapshotCodecs.Decode(known.Header.Codec, bytes.AsMemory(bytes.Length - (int)known.Header.StoredLength), known.Header.RawLength, _options.MaxStateBytes);
                return new OpenedSnapshot(known.Header, json, null);
            }
        }

        try
        {
            var (header, payload) = SnapshotEnvelope.Decode(bytes);
            if (header.System != system || header.Sequence != sequence)
            {
                reason = $"header names {header.System}#{header.Sequence}, stored as {system}#{sequence}";
            }
            else if (header.Codec != ChunkManifest.Codec && !SnapshotCodecs.IsKnown(header.Codec))
            {
                reason = $"unknown codec '{header.Codec}'";
            }
            else if (CheckDeclaredSize(header) is { } sizeProblem)
            {
                reason = sizeProblem;
            }
            else if (header.Codec == ChunkManifest.Codec)
            {
                string? problem;
                ReadOnlyMemory<byte> json = default;
                if (listedChunks is not null)
                {
                    var manifest = ChunkManifest.Parse(payload.Span, _options.MaxStateBytes);
                    problem = manifest.RawLength != header.RawLength
                        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the chunks add up to {manifest.RawLength} bytes, the header says {header.RawLength}")
                        : CheckChunksListed(manifest, await listedChunks().ConfigureAwait(false));
                }
                else
                {
                    (json, problem) = await AssembleChunksAsync(system, header, payload, cancellationToken).ConfigureAwait(false);
                }

                if (problem is null)
                {
                    _verified[(system, sequence)] = new VerifiedSnapshot(bytes.LongLength, header, Fingerprint: null);
                    return new OpenedSnapshot(header, json, null);
                }

                if (await RetryAsync(ct => new ValueTask<byte[]?>(_store.ReadAsync(system, sequence, ct)), cancellationToken).ConfigureAwait(false) is null)
                {
                    return default; // deleted (and its chunks collected) while it was being read: gone, not damaged
                }

                reason = problem;
            }
            else
            {
                var json = SnapshotCodecs.Decode(header.Codec, payload, header.RawLength, _options.MaxStateBytes);
                _verified[(system, sequence)] = new VerifiedSnapshot(bytes.LongLength, header, fingerprint ?? XxHash128.HashToUInt128(bytes));
                return new OpenedSnapshot(header, json, null);
            }
        }
        catch (EnvelopeFormatException ex)
        {
            reason = ex.Message;
        }
        catch (InvalidDataException ex)
        {
            reason = $"payload does not decode ({ex.Message})";
        }

        return reportDamage
            ? await DamagedAsync(system, sequence, reason, quarantineIfDamaged, cancellationToken).ConfigureAwait(false)
            : new OpenedSnapshot(null, default, new SkippedSnapshot(sequence, reason, Quarantined: false));
    }

    /// <summary>
    /// What a verified header declares must be decodable within bounds before one byte is decoded: at most
    /// <see cref="SnapshotVaultOptions.MaxStateBytes"/> of state, expanding at most <see cref="SnapshotVaultOptions.MaxExpansionRatio"/>
    /// times. A header with valid checksums can still be crafted; it must never size an allocation.
    /// </summary>
    private string? CheckDeclaredSize(SnapshotHeader header)
    {
        if (header.RawLength > _options.MaxStateBytes)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"declares {header.RawLength} bytes of state, more than the maximum state size ({_options.MaxStateBytes} bytes)");
        }

        // A chunked snapshot's payload is its manifest: each chunk is bounded on its own when it is decoded.
        if (header.Codec != SnapshotCodecs.Identity && header.Codec != ChunkManifest.Codec && header.RawLength > header.StoredLength * (long)_options.MaxExpansionRatio)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"declares {header.RawLength} bytes from {header.StoredLength} stored, an expansion above the maximum ratio ({_options.MaxExpansionRatio}:1)");
        }

        return null;
    }

    private async Task<OpenedSnapshot> DamagedAsync(string system, long sequence, string reason, bool quarantineIfDamaged, CancellationToken cancellationToken)
    {
        _verified.TryRemove((system, sequence), out _);
        _metrics.RecordCorrupt(system, _store.Kind);
        var (quarantined, quarantineError) = quarantineIfDamaged
            ? await TryQuarantineAsync(system, sequence, reason, cancellationToken).ConfigureAwait(false)
            : (false, null);
        Log.CorruptSnapshot(_logger, system, sequence, reason, quarantined);
        return new OpenedSnapshot(null, default, new SkippedSnapshot(sequence, reason, quarantined, quarantineError));
    }

    /// <summary>
    /// Quarantine is housekeeping, never a condition of a load: on a read-only or full store the move fails, and the load
    /// still falls back to the newest valid snapshot. The failure is logged and reported.
    /// </summary>
    private async Task<(bool Quarantined, string? Error)> TryQuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken)
    {
        if (!_store.Capabilities.SupportsQuarantine)
        {
            return (false, null);
        }

        try
        {
            return (await RetryAsync(ct => new ValueTask<bool>(_store.QuarantineAsync(system, sequence, reason, ct)), cancellationToken).ConfigureAwait(false), null);
        }
        catch (StateVaultException ex)
        {
            Log.QuarantineFailed(_logger, system, sequence, ex);
            return (false, ex.Message);
        }
    }

    /// <summary>
    /// Lists <paramref name="system"/> and plans retention as it will be once a new valid snapshot created at
    /// <paramref name="created"/> is stored, for a store that deletes in the append's commit. Runs while the append writes.
    /// </summary>
    /// <param name="system">The system.</param>
    /// <param name="allocated">The lowest sequence the save's append allocated (<see cref="long.MaxValue"/> until it has):
    /// read after the listing, so a listing that already shows the new snapshot leaves it out (it is counted as the pending
    /// one, never twice).</param>
    /// <param name="created">The new snapshot's time.</param>
    /// <param name="tags">The new snapshot's tags.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The sequences to delete with the append, or <see langword="null"/> when the ordinary path must run after the
    /// append instead (a damaged snapshot to quarantine, or the listing or planning failed: the save itself must not fail for it).</returns>
    private async Task<IReadOnlyCollection<long>?> PlanPruneWithAppendAsync(string system, StrongBox<long> allocated, DateTimeOffset created, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        try
        {
            // On a store that lists and reads in one round trip, the snapshots whose fingerprint the re-check compares come
            // with the listing (see PrefetchForRecheckAsync).
            List<StoredSnapshotRef> refs;
            IReadOnlyDictionary<long, byte[]>? prefetched = null;
            if (_store is ISnapshotStoreWithBatchRead batch)
            {
                (var listed, prefetched) = await RetryAsync(
                    ct => new ValueTask<(IReadOnlyList<StoredSnapshotRef>, IReadOnlyDictionary<long, byte[]>)>(batch.ListAndReadAsync(system, sequence => ComparableFingerprint(system, sequence) is not null, ct)),
                    cancellationToken).ConfigureAwait(false);
                refs = [.. listed];
            }
            else
            {
                refs = await ListRefsAsync(system, cancellationToken).ConfigureAwait(false);
            }

            var bound = Volatile.Read(ref allocated.Value);
            refs.RemoveAll(r => r.Sequence >= bound);
            // The new snapshot's number is not known yet; it will be above every listed one, which is all the planner uses.
            var pending = new RetentionPlanner.Candidate(long.MaxValue, created, tags, IsValid: true);
            var (plan, listings) = await PlanRetentionAsync(system, refs, _options.RetentionFor(system), dryRun: false, justWritten: null, pending, prefetched, cancellationToken).ConfigureAwait(false);
            if (!listings.TrueForAll(l => l.IsValid))
            {
                return null;
            }

            var removed = plan.Removed.Select(d => d.Sequence).Where(s => s != pending.Sequence).ToList();
            ForgetFingerprints(system, removed);
            return removed;
        }
        catch (StateVaultException ex)
        {
            Log.RetentionFailed(_logger, system, ex);
            return null;
        }
    }

    // justWritten: the snapshot the calling save wrote a moment ago, which the re-check before deleting need not read again.
    private async Task<(RetentionPlan Plan, List<SnapshotListing> Quarantined)> ApplyRetentionAsync(string system, RetentionPolicy policy, bool dryRun, long? justWritten, CancellationToken cancellationToken)
    {
        var refs = await ListRefsAsync(system, cancellationToken).ConfigureAwait(false);
        var (plan, listings) = await PlanRetentionAsync(system, refs, policy, dryRun, justWritten, pending: null, listedWithBytes: null, cancellationToken).ConfigureAwait(false);
        var quarantined = new List<SnapshotListing>();
        if (dryRun)
        {
            return (plan, quarantined);
        }

        // DescribeAsync already counted and logged each damaged snapshot when it failed verification.
        foreach (var bad in listings.Where(l => !l.IsValid))
        {
            if ((await TryQuarantineAsync(system, bad.Sequence, bad.Error!, cancellationToken).ConfigureAwait(false)).Quarantined)
            {
                Log.CorruptSnapshot(_logger, system, bad.Sequence, bad.Error!, quarantined: true);
                quarantined.Add(bad);
            }
        }

        var removed = 0;
        foreach (var decision in plan.Removed)
        {
            if (await RetryAsync(ct => new ValueTask<bool>(_store.DeleteAsync(system, decision.Sequence, ct)), cancellationToken).ConfigureAwait(false))
            {
                removed++;
                Log.Pruned(_logger, system, decision.Sequence, decision.Reasons[0]);
            }

            ForgetDeleted(system, decision.Sequence);
        }

        if (removed > 0)
        {
            _metrics.RecordPruned(system, _store.Kind, removed);
        }

        return (plan, quarantined);
    }

    /// <summary>
    /// Verifies (cached) the listed snapshots <paramref name="refs"/> of <paramref name="system"/> and plans <paramref name="policy"/> over them,
    /// with <paramref name="pending"/> (a snapshot about to be appended) counted when given. <paramref name="listedWithBytes"/>:
    /// envelopes read with the listing, used by the re-check instead of reading them again.
    /// </summary>
    private async Task<(RetentionPlan Plan, List<SnapshotListing> Listings)> PlanRetentionAsync(string system, List<StoredSnapshotRef> refs, RetentionPolicy policy, bool dryRun, long? justWritten, RetentionPlanner.Candidate? pending, IReadOnlyDictionary<long, byte[]>? listedWithBytes, CancellationToken cancellationToken)
    {
        var listings = new List<SnapshotListing>(refs.Count);
        foreach (var item in refs)
        {
            if (await DescribeAsync(system, item, useCache: true, cancellationToken).ConfigureAwait(false) is { } listing)
            {
                listings.Add(listing);
            }
        }

        var plan = Plan(system, listings, policy, pending);
        if (!dryRun && plan.Removed.Any())
        {
            // The plan counted cached verifications. Before anything older is deleted on their strength, read and check
            // every snapshot the plan keeps: one damaged on disk since it was cached must not count, or a good backup
            // is pruned while the damaged one is kept.
            // A chunked snapshot is re-checked from its envelope, manifest and one chunk listing per system (see CheckChunksListed).
            var chunkLengths = _store is ISnapshotStoreWithChunks chunkStore
                ? new Lazy<Task<Dictionary<string, long>>>(() => ListChunkLengthsAsync(chunkStore, system, cancellationToken))
                : null;
            Func<Task<Dictionary<string, long>>>? listedChunks = chunkLengths is null ? null : () => chunkLengths.Value;
            var recheck = true;
            while (recheck)
            {
                recheck = false;
                // The kept snapshots are read again side by side (each re-check is a read, mostly waiting on the store).
                var kept = plan.Kept
                    .Where(d => d.CreatedUtc is not null && d.Sequence != justWritten && d.Sequence != pending?.Sequence)
                    .Select(d => listings.Find(l => l.Sequence == d.Sequence)!)
                    .ToList();
                var fresh = new SnapshotListing?[kept.Count];
                var prefetched = listedWithBytes ?? await PrefetchForRecheckAsync(system, kept, cancellationToken).ConfigureAwait(false);
                if (kept.TrueForAll(k => prefetched.ContainsKey(k.Sequence)))
                {
                    // Every byte is here already: comparing fingerprints is a hash each, not worth a hop to other threads.
                    for (var i = 0; i < kept.Count; i++)
                    {
                        fresh[i] = await RecheckAsync(system, new StoredSnapshotRef(kept[i].Sequence, kept[i].StoredBytes), listedChunks, prefetched[kept[i].Sequence], cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    await Parallel.ForEachAsync(
                        Enumerable.Range(0, kept.Count),
                        new ParallelOptions { MaxDegreeOfParallelism = RecheckParallelism, CancellationToken = cancellationToken },
                        async (i, ct) => fresh[i] = await RecheckAsync(system, new StoredSnapshotRef(kept[i].Sequence, kept[i].StoredBytes), listedChunks, prefetched.GetValueOrDefault(kept[i].Sequence), ct).ConfigureAwait(false)).ConfigureAwait(false);
                }
                for (var i = 0; i < kept.Count; i++)
                {
                    if (fresh[i] is not { IsValid: true })
                    {
                        var index = listings.FindIndex(l => l.Sequence == kept[i].Sequence);
                        if (fresh[i] is null)
                        {
                            listings.RemoveAt(index);
                        }
                        else
                        {
                            listings[index] = fresh[i]!;
                        }

                        recheck = true;
                    }
                }

                if (recheck)
                {
                    plan = Plan(system, listings, policy, pending);
                }
            }
        }

        return (plan, listings);
    }

    /// <summary>
    /// Retention's re-check of a kept snapshot: reads its bytes again; bytes with the fingerprint of the bytes it last passed full
    /// verification with (or, for a snapshot this vault wrote, of the valid envelope it handed the store) are those bytes, so it counts
    /// as valid without hashing and decoding them again; any other bytes (damaged since, or torn in the write) are fully verified.
    /// </summary>
    /// <returns><see langword="null"/> when the snapshot vanished.</returns>
    /// <param name="system">The system.</param>
    /// <param name="item">The kept snapshot.</param>
    /// <param name="listedChunks">See <see cref="OpenCoreAsync"/>.</param>
    /// <param name="prefetched">Its bytes, when a batch read already brought them.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    private async Task<SnapshotListing?> RecheckAsync(string system, StoredSnapshotRef item, Func<Task<Dictionary<string, long>>>? listedChunks, byte[]? prefetched, CancellationToken cancellationToken)
    {
        if (ComparableFingerprint(system, item.Sequence) is { } known)
        {
            SnapshotCodecs.PooledPayload? read = null;
            var readable = true;
            try
            {
                read = prefetched is not null
                    ? new SnapshotCodecs.PooledPayload(prefetched, null)
                    : await RetryAsync(ct => new ValueTask<SnapshotCodecs.PooledPayload?>(ReadToHashAsync(system, item.Sequence, ct)), cancellationToken).ConfigureAwait(false);
            }
            catch (SnapshotCorruptedException)
            {
                readable = false; // the full check below reports the damage
            }

            using (read)
            {
                if (readable && read is null)
                {
                    return null;
                }

                if (read is { } bytes && XxHash128.HashToUInt128(bytes.Memory.Span) == known.Fingerprint)
                {
                    return new SnapshotListing(system, item.Sequence, bytes.Memory.Length, SnapshotMetadata.FromHeader(known.Header), null);
                }
            }
        }

        return await DescribeAsync(system, item, useCache: false, listedChunks, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a snapshot whose bytes are only hashed: into a rented buffer on a store that can.</summary>
    private async Task<SnapshotCodecs.PooledPayload?> ReadToHashAsync(string system, long sequence, CancellationToken cancellationToken) =>
        _store is ISnapshotStoreWithRentedRead rented
            ? await rented.ReadRentedAsync(system, sequence, cancellationToken).ConfigureAwait(false)
            : await _store.ReadAsync(system, sequence, cancellationToken).ConfigureAwait(false) is { } bytes ? new SnapshotCodecs.PooledPayload(bytes, null) : null;

    /// <summary>
    /// On a store that reads many snapshots in one round trip: the bytes of the kept snapshots whose fingerprint the re-check
    /// compares (those it would read one by one otherwise). Empty elsewhere, or when the batch read fails (each is then read
    /// on its own, with the usual retries).
    /// </summary>
    private async Task<IReadOnlyDictionary<long, byte[]>> PrefetchForRecheckAsync(string system, List<SnapshotListing> kept, CancellationToken cancellationToken)
    {
        if (_store is not ISnapshotStoreWithBatchRead batch)
        {
            return s_nothingPrefetched;
        }

        var sequences = kept.Where(k => ComparableFingerprint(system, k.Sequence) is not null).Select(k => k.Sequence).ToList();
        if (sequences.Count < 2)
        {
            return s_nothingPrefetched;
        }

        try
        {
            return await batch.ReadManyAsync(system, sequences, cancellationToken).ConfigureAwait(false);
        }
        catch (StateVaultException)
        {
            return s_nothingPrefetched;
        }
    }

    /// <summary>
    /// Forgets the fingerprints of snapshots an append is about to delete: if it fails and they stay, the next re-check
    /// verifies them in full once.
    /// </summary>
    private void ForgetFingerprints(string system, IEnumerable<long> sequences)
    {
        foreach (var sequence in sequences)
        {
            if (_verified.TryGetValue((system, sequence), out var known))
            {
                _verified.TryUpdate((system, sequence), known with { Fingerprint = null }, known);
            }
        }
    }

    /// <summary>
    /// The fingerprint retention's re-check can compare bytes with, and the header they hold: none for a chunked snapshot
    /// (its bytes are its manifest; the chunks it names are only checked by a full open), or one without a fingerprint.
    /// </summary>
    private (UInt128 Fingerprint, SnapshotHeader Header)? ComparableFingerprint(string system, long sequence) =>
        TryGetComparable(system, sequence, out var known) ? (known.Fingerprint!.Value, known.Header) : null;

    /// <summary>What <see cref="ComparableFingerprint"/> compares with, the whole entry (its store epoch included).</summary>
    private bool TryGetComparable(string system, long sequence, out VerifiedSnapshot known) =>
        _verified.TryGetValue((system, sequence), out known) && known.Fingerprint is not null && known.Header.Codec != ChunkManifest.Codec;

    private static UInt128 Fingerprint(EnvelopeBytes envelope)
    {
        var hash = new XxHash128();
        hash.Append(envelope.Head.Span);
        hash.Append(envelope.Payload.Span);
        return hash.GetCurrentHashAsUInt128();
    }

    private static RetentionPlan Plan(string system, List<SnapshotListing> listings, RetentionPolicy policy, RetentionPlanner.Candidate? pending) =>
        RetentionPlanner.Plan(
            system,
            listings.Select(l => new RetentionPlanner.Candidate(l.Sequence, l.Metadata?.CreatedUtc ?? DateTimeOffset.MinValue, l.Metadata?.Tags ?? [], l.IsValid))
                .Concat(pending is { } p ? [p] : []),
            policy);

    /// <param name="Length">The envelope's length.</param>
    /// <param name="Header">Its header.</param>
    /// <param name="Fingerprint">XXH128 of the whole envelope, when known and trusted: bytes with it hold <paramref name="Header"/>.</param>
    /// <param name="StoreEpoch">The store's change epoch (<see cref="AppendListing.ChangeEpoch"/>) in which this vault wrote these
    /// bytes or read them again inside an append, when it was one of those.</param>
    private readonly record struct VerifiedSnapshot(long Length, SnapshotHeader Header, UInt128? Fingerprint, long? StoreEpoch = null);

    /// <summary>Retention started for one save (see <see cref="StartRetention"/>).</summary>
    /// <param name="Created">The new snapshot's time.</param>
    /// <param name="Allocated">The lowest sequence the save's append allocated (<see cref="long.MaxValue"/> until it has).</param>
    /// <param name="Plan">The plan, when the store deletes in the append's commit and retention runs after saves.</param>
    /// <param name="InAppend">Whether retention is planned inside the append's transaction instead (see <see cref="PlanInAppend"/>).</param>
    private sealed record PlannedRetention(DateTimeOffset Created, StrongBox<long> Allocated, Task<IReadOnlyCollection<long>?>? Plan, bool InAppend)
    {
        /// <summary>The save ends without using the plan: its task is still observed.</summary>
        public void Abandon() =>
            _ = Plan?.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private readonly record struct OpenedSnapshot(SnapshotHeader? Header, ReadOnlyMemory<byte> Json, SkippedSnapshot? Damaged);

    /// <summary>The newest snapshot as a load read it first (see <see cref="OpenNewestAsync"/>); its damage not yet reported.</summary>
    private readonly record struct NewestSnapshot(long Sequence, OpenedSnapshot Opened);
}
