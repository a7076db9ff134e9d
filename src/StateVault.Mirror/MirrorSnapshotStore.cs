using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StateVault.Envelope;
using StateVault.Retention;
using StateVault.Storage;

namespace StateVault.Mirror;

/// <summary>
/// A store that writes to a primary and replicates every snapshot to a secondary in the background (e.g. a local
/// folder mirrored to S3 as an off-site backup). Works with any two stores.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Writes</b> (<see cref="AppendAsync"/>, <see cref="ImportAsync"/>) go to the primary and are acknowledged
/// when the primary has them; the snapshot is then queued for copying. A slow or unreachable secondary never blocks
/// or fails a save.</item>
/// <item><b>Copies</b> keep the sequence number and the exact bytes (<see cref="ISnapshotStore.ImportAsync"/>). Each is
/// verified: the primary's bytes are checked (<see cref="SnapshotEnvelope.Decode"/>) before copying, so a damaged
/// snapshot is never replicated, and the copy is read back from the secondary, decoded and compared byte for byte.
/// A copy that does not verify is removed and retried.</item>
/// <item><b>Catch-up</b>: when the mirror starts (<see cref="MirrorSnapshotStoreOptions.CatchUpOnStart"/>), every
/// <see cref="MirrorSnapshotStoreOptions.CatchUpInterval"/> and on <see cref="ReplicateNowAsync"/>, the listings of
/// both sides are compared and whatever the secondary lacks is copied. Nothing about pending copies is kept in memory
/// only: a copy missed because the secondary was down, or because the process stopped, is made by the next catch-up,
/// in this process or the next. A damaged copy on the secondary is replaced from the primary.</item>
/// <item><b>Retention</b> is per side. The primary's is the vault's, applied through this store as usual; deleting or
/// quarantining on the primary never touches the secondary. The secondary's is
/// <see cref="MirrorSnapshotStoreOptions.SecondaryRetention"/>, planned with <see cref="RetentionPlanner"/> over the
/// secondary's snapshots plus those about to be copied: what it would remove is not copied, and what it removes is
/// deleted from the secondary after the copies of that system succeeded.</item>
/// <item><b>Reads and listings</b> come from the primary. To restore from the secondary, open it directly (e.g.
/// <c>statevault --store &lt;secondary URI&gt; verify</c>); its snapshots are ordinary snapshots.</item>
/// <item><b>Chunks</b> (<see cref="ISnapshotStoreWithChunks"/>) are the primary's: put, read, listed and deleted there.
/// A chunked snapshot is copied chunks first: the chunks it names that the secondary lacks (its chunk listing is read once
/// per system and pass) are read from the primary, checked, put on the secondary and read back, and only then is the
/// envelope imported, so the secondary never holds a snapshot whose chunks it lacks. A secondary that keeps no chunks
/// gets a failure for each chunked snapshot in the report; ordinary snapshots still replicate to it.</item>
/// </list>
/// Snapshots the primary deletes before they were copied (its retention outran a long outage) are not replicated:
/// the secondary gets what the primary still holds when it catches up, which always includes the newest valid snapshot.
/// </remarks>
public sealed partial class MirrorSnapshotStore : ISnapshotStoreWithChunks
{
    private const long MaxBufferedCandidateBytes = 64L * 1024 * 1024;

    private readonly ISnapshotStore _primary;
    private readonly ISnapshotStore _secondary;
    private readonly MirrorSnapshotStoreOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly bool _ownsStores;
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _stopCatchUps = new();
    private readonly ITimer _timer;
    private readonly Task _loop;
    private readonly MirrorMetrics _metrics;

    // Snapshots are immutable: a secondary copy verified once (at this length) need not be read again for planning.
    private readonly ConcurrentDictionary<(string System, long Sequence), (long Length, SnapshotHeader Header)> _secondaryHeaders = new();

    // Systems whose secondary may hold chunks no snapshot there names (a snapshot was pruned or replaced, or chunks are still
    // within their grace period): collected at the end of the next pass over the system.
    private readonly ConcurrentDictionary<string, byte> _secondaryChunkCollectionDue = new(StringComparer.Ordinal);

    // Chunks on the secondary read and checked against their id since the last full verification (shared by its snapshots).
    private readonly ConcurrentDictionary<(string System, string Id), byte> _secondaryChunksVerified = new();

    private readonly Lock _statusLock = new();
    private int _pending;
    private int _scheduledCatchUpQueued;
    private long _copiedTotal;
    private long _failedTotal;
    private long _catchUps;
    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _lastFailure;
    private DateTimeOffset? _lastFullVerification;
    private string? _lastError;
    private volatile bool _disposing;
    private int _disposed;

    /// <summary>Creates a mirror over two open stores and starts replicating.</summary>
    /// <param name="primary">The store written, read and listed.</param>
    /// <param name="secondary">The store that receives a verified copy of every snapshot.</param>
    /// <param name="options">Retention of the secondary and catch-up timing; <see cref="MirrorSnapshotStoreOptions.Primary"/> and <see cref="MirrorSnapshotStoreOptions.Secondary"/> are ignored here.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="timeProvider">Clock for the catch-up timer and status times.</param>
    /// <param name="ownsStores">Whether disposing the mirror disposes both stores.</param>
    /// <param name="meterFactory">Source of the <c>StateVault</c> meter (instruments <c>statevault.mirror.snapshots</c>,
    /// <c>statevault.mirror.pending</c>, <c>statevault.mirror.catchup.duration</c>).</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MirrorSnapshotStore(
        ISnapshotStore primary,
        ISnapshotStore secondary,
        MirrorSnapshotStoreOptions? options = null,
        ILogger<MirrorSnapshotStore>? logger = null,
        TimeProvider? timeProvider = null,
        bool ownsStores = false,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(secondary);
        if (ReferenceEquals(primary, secondary))
        {
            throw new ArgumentException("The primary and the secondary must be two stores.", nameof(secondary));
        }

        _options = options ?? new MirrorSnapshotStoreOptions();
        MirrorSnapshotStoreOptionsValidator.ThrowIfInvalid(_options, requireUris: false);
        _primary = primary;
        _secondary = secondary;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _ownsStores = ownsStores;
        _metrics = new MirrorMetrics(meterFactory, secondary.Kind, () => Volatile.Read(ref _pending));
        _loop = Task.Run(RunAsync);
        _timer = _time.CreateTimer(static state => ((MirrorSnapshotStore)state!).QueueScheduledCatchUp(), this, _options.CatchUpInterval, _options.CatchUpInterval);
        if (_options.CatchUpOnStart)
        {
            QueueScheduledCatchUp();
        }
    }

    /// <summary>The primary store.</summary>
    public ISnapshotStore Primary => _primary;

    /// <summary>The secondary store.</summary>
    public ISnapshotStore Secondary => _secondary;

    /// <summary>The options in force.</summary>
    public MirrorSnapshotStoreOptions Options => _options;

    /// <inheritdoc />
    public string Kind => "mirror";

    /// <summary>
    /// The primary's capabilities: every operation the vault relies on is the primary's. Compression pays when it pays on
    /// either store: the payload is encoded once, and a local primary mirrored to S3 must still upload compressed bytes.
    /// </summary>
    public SnapshotStoreCapabilities Capabilities => _primary.Capabilities with
    {
        CompressionPays = _primary.Capabilities.CompressionPays || _secondary.Capabilities.CompressionPays,
    };

    /// <summary>The replication state now.</summary>
    public MirrorReplicationStatus Status
    {
        get
        {
            lock (_statusLock)
            {
                return new MirrorReplicationStatus(
                    Volatile.Read(ref _pending),
                    Interlocked.Read(ref _copiedTotal),
                    Interlocked.Read(ref _failedTotal),
                    Interlocked.Read(ref _catchUps),
                    _lastSuccess,
                    _lastFailure,
                    _lastError);
            }
        }
    }

    /// <inheritdoc />
    public async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
    {
        var sequence = await _primary.AppendAsync(system, expectedLatestSequence, createEnvelope, cancellationToken).ConfigureAwait(false);
        QueueCopy(system, sequence);
        return sequence;
    }

    /// <inheritdoc />
    public async Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken)
    {
        var imported = await _primary.ImportAsync(system, sequence, envelope, cancellationToken).ConfigureAwait(false);
        if (imported)
        {
            QueueCopy(system, sequence);
        }

        return imported;
    }

    /// <inheritdoc />
    public Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken) =>
        _primary.ReadAsync(system, sequence, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, CancellationToken cancellationToken) =>
        _primary.ListAsync(system, cancellationToken);

    /// <inheritdoc />
    public Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken) =>
        _primary.GetLatestSequenceAsync(system, cancellationToken);

    /// <summary>Deletes a snapshot from the primary only; the secondary keeps its copy until its own retention removes it.</summary>
    public Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken) =>
        _primary.DeleteAsync(system, sequence, cancellationToken);

    /// <summary>Quarantines a snapshot on the primary only; a good copy on the secondary stays there to restore from.</summary>
    public Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken) =>
        _primary.QuarantineAsync(system, sequence, reason, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<string> ListSystemsAsync(CancellationToken cancellationToken) =>
        _primary.ListSystemsAsync(cancellationToken);

    /// <summary>
    /// Finishes the copies queued so far, then runs a catch-up over every system: reads back and verifies every copy on
    /// the secondary, repairs damaged ones from the primary, copies what the secondary lacks (verified) and applies the
    /// secondary's retention.
    /// </summary>
    /// <returns>What the catch-up did; failures are also retried by the next one.</returns>
    /// <exception cref="ObjectDisposedException">The mirror is disposed.</exception>
    public async Task<MirrorReplicationReport> ReplicateNowAsync(CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<MirrorReplicationReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_disposing || !_queue.Writer.TryWrite(new CatchUpItem(completion, VerifyAll: true)))
        {
            throw new ObjectDisposedException(nameof(MirrorSnapshotStore));
        }

        return await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the catch-up timer and any running catch-up (a short-lived process, such as one CLI command, is not held up by
    /// it), waits up to <see cref="MirrorSnapshotStoreOptions.DrainTimeout"/> for the copies of snapshots saved through
    /// this mirror, and disposes the stores when the mirror owns them. Copies still queued are made by the next catch-up.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _disposing = true;
        await _stopCatchUps.CancelAsync().ConfigureAwait(false);
        await _timer.DisposeAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(_options.DrainTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The secondary is slow or unreachable: abandon the rest to the next catch-up.
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        _stopCatchUps.Dispose();
        _metrics.Dispose();
        if (_ownsStores)
        {
            await _primary.DisposeAsync().ConfigureAwait(false);
            await _secondary.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void QueueCopy(string system, long sequence)
    {
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(new CopyItem(system, sequence)))
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    private void QueueScheduledCatchUp()
    {
        // One scheduled catch-up in the queue is enough: ticks while the secondary is slow must not pile up.
        if (!_disposing && Interlocked.CompareExchange(ref _scheduledCatchUpQueued, 1, 0) == 0 && !_queue.Writer.TryWrite(new CatchUpItem(null, VerifyAll: false)))
        {
            Volatile.Write(ref _scheduledCatchUpQueued, 0);
        }
    }

    /// <summary>The one replication loop: copies and catch-ups run one at a time, in the order queued.</summary>
    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    await ProcessAsync(item, stopping).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Disposed: what is still queued is made by the next catch-up.
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, ex);
        }
        finally
        {
            while (_queue.Reader.TryRead(out var left))
            {
                (left as CatchUpItem)?.Completion?.TrySetCanceled();
            }
        }
    }

    private async Task ProcessAsync(WorkItem item, CancellationToken stopping)
    {
        switch (item)
        {
            case CopyItem copy:
                Interlocked.Decrement(ref _pending);
                var report = new ReportBuilder(_metrics);
                try
                {
                    await SyncSystemAsync(copy.System, [copy.Sequence], report, stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    report.Fail(copy.System, copy.Sequence, $"{ex.GetType().Name}: {ex.Message}", isTransient: false);
                }

                Record(report.Build(), catchUp: false);
                break;
            case CatchUpItem catchUp:
                if (catchUp.Completion is null)
                {
                    Volatile.Write(ref _scheduledCatchUpQueued, 0);
                }

                if (_disposing)
                {
                    catchUp.Completion?.TrySetCanceled();
                    break;
                }

                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _stopCatchUps.Token))
                {
                    try
                    {
                        var verifyAll = catchUp.VerifyAll || _lastFullVerification is not { } last || _time.GetUtcNow() - last >= _options.SecondaryVerifyInterval;
                        var result = await CatchUpAsync(verifyAll, linked.Token).ConfigureAwait(false);
                        Record(result, catchUp: true);
                        catchUp.Completion?.TrySetResult(result);
                    }
                    catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                    {
                        // Disposing: the catch-up stops, the copies queued behind it still drain.
                        catchUp.Completion?.TrySetCanceled();
                    }
                    catch (OperationCanceledException)
                    {
                        catchUp.Completion?.TrySetCanceled();
                        throw;
                    }
                    catch (Exception ex)
                    {
                        catchUp.Completion?.TrySetException(ex);
                    }
                }

                break;
        }
    }

    private async Task<MirrorReplicationReport> CatchUpAsync(bool verifyAll, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var report = new ReportBuilder(_metrics);
        if (verifyAll)
        {
            // Read every copy again: one damaged on the secondary since it was verified is found and replaced.
            _secondaryHeaders.Clear();
            _secondaryChunksVerified.Clear();
        }

        try
        {
            var systems = new SortedSet<string>(StringComparer.Ordinal);
            await foreach (var name in _primary.ListSystemsAsync(cancellationToken).ConfigureAwait(false))
            {
                systems.Add(name);
            }

            // Systems only the secondary still has get their retention applied too.
            await foreach (var name in _secondary.ListSystemsAsync(cancellationToken).ConfigureAwait(false))
            {
                systems.Add(name);
            }

            foreach (var system in systems)
            {
                if (verifyAll)
                {
                    // Unreferenced chunks a restart (or a pass that failed) left on the secondary are looked for too.
                    _secondaryChunkCollectionDue.TryAdd(system, 0);
                }

                await SyncSystemAsync(system, only: null, report, cancellationToken).ConfigureAwait(false);
                if (report.HasTransientFailure)
                {
                    // A side is unreachable: stop here rather than fail the same way for every system.
                    break;
                }
            }
        }
        catch (StateVaultException ex)
        {
            report.Fail("*", null, ex.Message, ex.IsTransient);
        }

        var result = report.Build();
        if (verifyAll && result.Succeeded)
        {
            _lastFullVerification = _time.GetUtcNow();
        }

        _metrics.RecordCatchUp(_time.GetElapsedTime(started), result.Succeeded);
        Log.CatchUpCompleted(_logger, result.Copied, result.AlreadyPresent, result.SkippedByRetention, result.Pruned, result.Repaired, result.Failures.Count);
        return result;
    }

    /// <summary>
    /// Brings one system of the secondary up to date: copies the given sequences (or, for a catch-up, whatever the
    /// primary has and the secondary lacks) that the secondary's retention keeps, then prunes the secondary.
    /// </summary>
    private async Task SyncSystemAsync(string system, IReadOnlyCollection<long>? only, ReportBuilder report, CancellationToken cancellationToken)
    {
        var failuresBefore = report.FailureCount;
        try
        {
            var secondary = new List<(long Sequence, SnapshotHeader? Header, string? Error)>();
            foreach (var item in await ListAllAsync(_secondary, system, cancellationToken).ConfigureAwait(false))
            {
                var described = await DescribeSecondaryAsync(system, item, cancellationToken).ConfigureAwait(false);
                if (described is { } d)
                {
                    secondary.Add((item.Sequence, d.Header, d.Error));
                }
            }

            var present = secondary.Select(s => s.Sequence).ToHashSet();
            var primary = only ?? (await ListAllAsync(_primary, system, cancellationToken).ConfigureAwait(false)).Select(r => r.Sequence).ToList();

            if (only is null)
            {
                var onPrimary = primary.ToHashSet();
                for (var i = 0; i < secondary.Count; i++)
                {
                    if (secondary[i].Error is { } error && onPrimary.Contains(secondary[i].Sequence))
                    {
                        Log.RepairingCopy(_logger, system, secondary[i].Sequence, error);
                        if (await _secondary.DeleteAsync(system, secondary[i].Sequence, cancellationToken).ConfigureAwait(false))
                        {
                            _secondaryChunkCollectionDue.TryAdd(system, 0);
                            report.StartRepair(system, secondary[i].Sequence);
                            present.Remove(secondary[i].Sequence);
                            _secondaryHeaders.TryRemove((system, secondary[i].Sequence), out _);
                            secondary.RemoveAt(i--);
                        }
                    }
                }
            }

            var secondaryChunks = new SecondaryChunks();
            var candidates = new List<Candidate>();
            long buffered = 0;
            foreach (var sequence in primary.Where(s => !present.Contains(s)).Distinct().Order())
            {
                var bytes = await _primary.ReadAsync(system, sequence, cancellationToken).ConfigureAwait(false);
                if (bytes is null)
                {
                    continue; // deleted on the primary since it was listed or queued
                }

                if (!TryVerify(system, sequence, bytes, out var header, out var reason))
                {
                    report.Fail(system, sequence, $"the primary's snapshot is damaged ({reason}); not replicated", isTransient: false);
                    continue;
                }

                // Keep the bytes for the copy while that stays cheap; re-read them otherwise.
                var keep = buffered + bytes.LongLength <= MaxBufferedCandidateBytes;
                buffered += keep ? bytes.LongLength : 0;
                candidates.Add(new Candidate(sequence, header, keep ? bytes : null));
            }

            var plan = RetentionPlanner.Plan(
                system,
                secondary.Select(s => new RetentionPlanner.Candidate(s.Sequence, s.Header?.CreatedUtc ?? DateTimeOffset.MinValue, s.Header?.Tags ?? [], s.Header is not null))
                    .Concat(candidates.Select(c => new RetentionPlanner.Candidate(c.Sequence, c.Header.CreatedUtc, c.Header.Tags, IsValid: true))),
                _options.SecondaryRetention);
            var kept = plan.Kept.Select(d => d.Sequence).ToHashSet();

            foreach (var candidate in candidates)
            {
                if (kept.Contains(candidate.Sequence))
                {
                    await CopyAsync(system, candidate, secondaryChunks, report, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    report.Skip(system);
                }
            }

            // Prune only after every copy of this system landed: a plan that counts on a copy must not delete what it replaces.
            if (report.FailureCount == failuresBefore)
            {
                foreach (var decision in plan.Removed.Where(d => present.Contains(d.Sequence)))
                {
                    if (await _secondary.DeleteAsync(system, decision.Sequence, cancellationToken).ConfigureAwait(false))
                    {
                        _secondaryChunkCollectionDue.TryAdd(system, 0);
                        report.Prune(system);
                        Log.PrunedSecondary(_logger, system, decision.Sequence, decision.Reasons[0]);
                    }

                    _secondaryHeaders.TryRemove((system, decision.Sequence), out _);
                }

                if (_secondaryChunkCollectionDue.ContainsKey(system))
                {
                    await CollectSecondaryChunksAsync(system, report, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (StateVaultException ex)
        {
            report.Fail(system, only is { Count: 1 } ? only.First() : null, ex.Message, ex.IsTransient);
        }
    }

    private async Task CopyAsync(string system, Candidate candidate, SecondaryChunks secondaryChunks, ReportBuilder report, CancellationToken cancellationToken)
    {
        var sequence = candidate.Sequence;
        var bytes = candidate.Bytes ?? await _primary.ReadAsync(system, sequence, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return; // deleted on the primary meanwhile
        }

        if (candidate.Bytes is null && !TryVerify(system, sequence, bytes, out _, out var damage))
        {
            report.Fail(system, sequence, $"the primary's snapshot is damaged ({damage}); not replicated", isTransient: false);
            return;
        }

        // Chunks before the envelope: the envelope is the commit point on the secondary as on the primary.
        if (candidate.Header.Codec == ChunkManifest.Codec && !await CopyChunksAsync(system, sequence, bytes, secondaryChunks, report, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var imported = await _secondary.ImportAsync(system, sequence, EnvelopeBytes.FromArray(bytes), cancellationToken).ConfigureAwait(false);
        var readBack = await _secondary.ReadAsync(system, sequence, cancellationToken).ConfigureAwait(false);
        if (readBack is not null && readBack.AsSpan().SequenceEqual(bytes) && TryVerify(system, sequence, readBack, out var header, out _))
        {
            _secondaryHeaders[(system, sequence)] = (readBack.LongLength, header);
            if (imported)
            {
                report.CountCopy(system, sequence);
                Log.Replicated(_logger, system, sequence, readBack.LongLength);
            }
            else
            {
                report.Present(system);
            }

            return;
        }

        if (imported)
        {
            // Our own copy came back different: remove it so the next catch-up copies again.
            await _secondary.DeleteAsync(system, sequence, cancellationToken).ConfigureAwait(false);
            report.Fail(system, sequence, "the copy did not read back identical from the secondary; removed, will be copied again", isTransient: true);
        }
        else
        {
            report.Fail(system, sequence, "the secondary already holds a different snapshot (or a quarantined one) at this sequence; left alone", isTransient: false);
        }
    }

    private async Task<(SnapshotHeader? Header, string? Error)?> DescribeSecondaryAsync(string system, StoredSnapshotRef item, CancellationToken cancellationToken)
    {
        if (_secondaryHeaders.TryGetValue((system, item.Sequence), out var cached) && cached.Length == item.Length)
        {
            return (cached.Header, null);
        }

        var bytes = await _secondary.ReadAsync(system, item.Sequence, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        if (TryVerify(system, item.Sequence, bytes, out var header, out var reason))
        {
            // A chunked copy is only as good as its chunks on the secondary: each is read and checked against its id.
            if (header.Codec == ChunkManifest.Codec && await CheckSecondaryChunksAsync(system, bytes, cancellationToken).ConfigureAwait(false) is { } chunkProblem)
            {
                _secondaryHeaders.TryRemove((system, item.Sequence), out _);
                return (null, chunkProblem);
            }

            _secondaryHeaders[(system, item.Sequence)] = (bytes.LongLength, header);
            return (header, null);
        }

        _secondaryHeaders.TryRemove((system, item.Sequence), out _);
        return (null, reason);
    }

    private static bool TryVerify(string system, long sequence, byte[] bytes, out SnapshotHeader header, out string reason)
    {
        try
        {
            (header, _) = SnapshotEnvelope.Decode(bytes);
        }
        catch (EnvelopeFormatException ex)
        {
            header = null!;
            reason = ex.Message;
            return false;
        }

        if (header.System != system || header.Sequence != sequence)
        {
            reason = $"header names {header.System}#{header.Sequence}, stored as {system}#{sequence}";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    private static async Task<List<StoredSnapshotRef>> ListAllAsync(ISnapshotStore store, string system, CancellationToken cancellationToken)
    {
        var refs = new List<StoredSnapshotRef>();
        await foreach (var item in store.ListAsync(system, cancellationToken).ConfigureAwait(false))
        {
            refs.Add(item);
        }

        return refs;
    }

    private void Record(MirrorReplicationReport report, bool catchUp)
    {
        var now = _time.GetUtcNow();
        Interlocked.Add(ref _copiedTotal, report.Copied);
        Interlocked.Add(ref _failedTotal, report.Failures.Count);
        if (catchUp)
        {
            Interlocked.Increment(ref _catchUps);
        }

        foreach (var failure in report.Failures)
        {
            Log.ReplicationFailed(_logger, failure.System, failure.Sequence, failure.IsTransient, failure.Reason);
        }

        lock (_statusLock)
        {
            if (report.Succeeded)
            {
                _lastSuccess = now;
                _lastError = null;
            }
            else
            {
                _lastFailure = now;
                _lastError = report.Failures[^1].Reason;
            }
        }
    }

    private abstract record WorkItem;

    private sealed record CopyItem(string System, long Sequence) : WorkItem;

    private sealed record CatchUpItem(TaskCompletionSource<MirrorReplicationReport>? Completion, bool VerifyAll) : WorkItem;

    private sealed record Candidate(long Sequence, SnapshotHeader Header, byte[]? Bytes);

    /// <summary>Collects what a pass did, and counts each outcome on the meter as it happens.</summary>
    private sealed class ReportBuilder(MirrorMetrics metrics)
    {
        private readonly List<MirrorReplicationFailure> _failures = [];
        private readonly HashSet<(string System, long Sequence)> _repairing = [];
        private int _copied;
        private int _present;
        private int _skipped;
        private int _pruned;
        private int _repaired;
        private int _chunksCopied;
        private int _chunksCollected;

        public int FailureCount => _failures.Count;

        public bool HasTransientFailure => _failures.Any(f => f.IsTransient);

        public void Fail(string system, long? sequence, string reason, bool isTransient)
        {
            _failures.Add(new MirrorReplicationFailure(system, sequence, reason, isTransient));
            metrics.Record(system, "failed");
        }

        public void Present(string system)
        {
            _present++;
            metrics.Record(system, "present");
        }

        public void Skip(string system)
        {
            _skipped++;
            metrics.Record(system, "skipped");
        }

        public void Prune(string system)
        {
            _pruned++;
            metrics.Record(system, "pruned");
        }

        /// <summary>A damaged secondary copy was removed; copying the primary's snapshot again completes the repair.</summary>
        public void StartRepair(string system, long sequence) => _repairing.Add((system, sequence));

        /// <summary>Counts a verified copy as a repair or as a new copy.</summary>
        public void CountCopy(string system, long sequence)
        {
            if (_repairing.Remove((system, sequence)))
            {
                _repaired++;
                metrics.Record(system, "repaired");
            }
            else
            {
                _copied++;
                metrics.Record(system, "copied");
            }
        }

        // Not on the snapshots instrument: a chunk is not a snapshot.
        public void CountChunkCopy() => _chunksCopied++;

        public void CountChunksCollected(int count) => _chunksCollected += count;

        public MirrorReplicationReport Build() => new(_copied, _present, _skipped, _pruned, _repaired, _failures.ToList()) { ChunksCopied = _chunksCopied, ChunksCollected = _chunksCollected };
    }
}
