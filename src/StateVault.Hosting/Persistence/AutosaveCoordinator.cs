using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using StateVault.Diagnostics;
using StateVault.Schema;

namespace StateVault.Hosting.Persistence;

/// <summary>
/// Change tracking, durable acknowledgement with group commit, debounced autosave, acknowledged saves, restore at startup and
/// the pending copy per system that is retried with exponential backoff while the store is out. Every wait runs on the
/// injected <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Group commit: <see cref="WaitDurableAsync(IManagedComponent, string, CancellationToken)"/> registers a waiter for the system's current change count and starts one commit
/// loop per system. Saves of a system are serialized by its gate, so while one save is in flight further waiters queue; the
/// next save captures the newest state, which holds all their changes, and completes them all. A save that fails fails the
/// waiters it covered with the store's error (they are not acknowledged); their changes stay in memory and pending and the
/// background retry keeps trying.
/// <para>
/// Fencing: every save is a compare-and-set on the newest sequence this process saw for the system (restored, or saved). A save
/// that loses (another writer saved first) never lands: the newest valid state is reloaded into the component, every waiter not
/// yet acknowledged fails with the <see cref="SnapshotConcurrencyException"/>, and nothing is re-applied.
/// </para>
/// </remarks>
internal sealed class AutosaveCoordinator : IStatePersistence, IAsyncDisposable, IDisposable
{
    /// <summary>The snapshot attribute naming the owning instance that wrote a manager snapshot (ownership on).</summary>
    public const string OwnerAttribute = "owner";

    /// <summary>The snapshot attribute holding the writer's fencing token (ownership on).</summary>
    public const string OwnerTokenAttribute = "owner_token";

    private readonly SnapshotVault _vault;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly StateVaultHostingOptions _options;
    private readonly ResiliencePipeline _retry;
    private readonly ConcurrentDictionary<string, SystemSlot> _slots = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;
    private volatile Ownership.IOwnershipView? _ownership;
    private int _disposed;

    public AutosaveCoordinator(SnapshotVault vault, IOptions<StateVaultHostingOptions> options, TimeProvider timeProvider, ILogger<AutosaveCoordinator> logger, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(options);
        _vault = vault;
        _options = options.Value;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                // A pending state is retried for as long as the process runs: giving up would drop acknowledged-later data.
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = _options.PendingRetryBaseDelay,
                MaxDelay = _options.PendingRetryMaxDelay,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            })
            .Build();

        // Observable: present (at 0 per system) from the start, not only after the first conflict.
        meterFactory?.Create(StateVaultMetrics.MeterName).CreateObservableCounter(
            "statevault.manager.save_conflicts",
            () => _slots.Values.Select(slot =>
            {
                lock (slot.Sync)
                {
                    return new Measurement<long>(slot.Conflicts, new KeyValuePair<string, object?>("system", slot.System));
                }
            }).ToList(),
            unit: "{conflict}",
            description: "Manager saves refused because another writer saved first (the newest state was reloaded).");
    }

    /// <summary>Raised after a system changed or was saved.</summary>
    public event EventHandler<ManagedStateChangedEventArgs>? Changed;

    public void MarkChanged(IManagedComponent component, string system)
    {
        var slot = GetSlot(component, system);
        var now = _time.GetUtcNow();
        lock (slot.Sync)
        {
            slot.Version++;
            slot.LastChangeUtc = now;
            slot.FirstDirtyUtc ??= now;
            slot.Refused = false;
            ArmLocked(slot, now);
        }

        RaiseChanged(slot);
    }

    public Task WaitDurableAsync(IManagedComponent component, string system, CancellationToken cancellationToken = default) =>
        WaitDurableCoreAsync(component, system, null, cancellationToken);

    public Task WaitDurableAsync(IManagedComponent component, string system, long generation, CancellationToken cancellationToken) =>
        WaitDurableCoreAsync(component, system, generation, cancellationToken);

    public long GetGeneration(string system)
    {
        if (!_slots.TryGetValue(system, out var slot))
        {
            return 0;
        }

        lock (slot.Sync)
        {
            return slot.Generation;
        }
    }

    public async Task SaveNowAsync(IManagedComponent component, string system, long generation, CancellationToken cancellationToken)
    {
        var slot = GetSlot(component, system);
        try
        {
            await SaveOnceAsync(slot, cancellationToken, generation).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            AfterFailedSaveNow(slot, ex);
            throw;
        }
    }

    /// <summary>From now on only systems with a valid lease (<see cref="SetLease"/>) are saved; others drop their changes.</summary>
    internal void EnableOwnership(Ownership.IOwnershipView view) => _ownership = view;

    /// <summary>Records this instance's lease of <paramref name="system"/> (or its loss: <see langword="null"/>).</summary>
    internal void SetLease(IManagedComponent component, string system, Ownership.SystemLease? lease, DateTimeOffset validUntil)
    {
        var slot = GetSlot(component, system);
        lock (slot.Sync)
        {
            slot.Lease = lease;
            slot.LeaseValidUntil = validUntil;
        }
    }

    public async Task<RestoreOutcome> ReloadAsync(IManagedComponent component, string system, CancellationToken cancellationToken = default)
    {
        var slot = GetSlot(component, system);
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long before;
            long previous;
            lock (slot.Sync)
            {
                before = slot.Version;
                previous = slot.SeenSequence ?? 0;
            }

            var (outcome, seen) = await RestoreWithFencingAsync(component, system, cancellationToken).ConfigureAwait(false);
            lock (slot.Sync)
            {
                AdoptedLocked(slot, before, outcome, seen);
                ReplacedLocked(slot, new SnapshotConcurrencyException(system, previous, seen));
            }

            RaiseChanged(slot);
            return outcome;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>
    /// Reloads <paramref name="system"/> when another writer saved a newer snapshot than the one this process saw, and only while
    /// the system has no unsaved change and no save in flight (a dirty system learns of the newer snapshot by its next save's
    /// compare-and-set). Returns whether it reloaded.
    /// </summary>
    public async Task<bool> RefreshAsync(IManagedComponent component, string system, CancellationToken cancellationToken)
    {
        var slot = GetSlot(component, system);
        if (!await slot.Gate.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            long? seen;
            Ownership.SystemNotOwnedException? notOwned;
            bool dirty;
            lock (slot.Sync)
            {
                notOwned = _ownership is { } view && (slot.Lease is null || _time.GetUtcNow() >= slot.LeaseValidUntil)
                    ? new Ownership.SystemNotOwnedException(slot.System, view.GetOwner(slot.System))
                    : null;
                dirty = slot.IsDirty;
                if ((dirty && notOwned is null) || slot.SeenSequence is null)
                {
                    return false;
                }

                seen = slot.SeenSequence;
            }

            var latest = await _vault.GetLatestSequenceAsync(system, cancellationToken).ConfigureAwait(false);
            if (notOwned is not null && (dirty || latest > seen))
            {
                // A non-owner keeps nothing of its own: what it shows is the owner's newest durable state.
                await ReloadAfterConflictAsync(slot, notOwned, conflict: null).ConfigureAwait(false);
                RaiseChanged(slot);
                return true;
            }

            if (latest <= seen)
            {
                return false;
            }

            long before;
            lock (slot.Sync)
            {
                before = slot.Version;
                if (slot.IsDirty)
                {
                    return false;
                }
            }

            var (outcome, newest) = await RestoreWithFencingAsync(component, system, cancellationToken).ConfigureAwait(false);
            lock (slot.Sync)
            {
                AdoptedLocked(slot, before, outcome, newest);
                ReplacedLocked(slot, new SnapshotConcurrencyException(system, seen.Value, newest));
            }

            Log.Refreshed(_logger, system, seen.Value, outcome.Sequence);
            RaiseChanged(slot);
            return true;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>After an adopt: what the component holds is the store's snapshot; changes marked after <paramref name="before"/> stay dirty.</summary>
    private static void AdoptedLocked(SystemSlot slot, long before, RestoreOutcome outcome, long seen)
    {
        if (before > slot.SavedVersion)
        {
            slot.SavedVersion = before;
        }

        slot.Pending = null;
        slot.Failures = 0;
        slot.SeenSequence = seen;
        slot.LastSequence = outcome.Sequence;
        slot.LastSavedUtc = outcome.CreatedUtc;
        slot.FirstDirtyUtc = slot.IsDirty ? slot.LastChangeUtc : null;
    }

    /// <summary>
    /// After the component's state was replaced by a reload (called under the slot's lock, after the adopt): a change made since the
    /// reload started may have been overwritten by it, whether or not its waiter is queued yet. Bumping the generation refuses the
    /// changes whose callers noted it before (<see cref="WaitDurableAsync(IManagedComponent, string, long, CancellationToken)"/>,
    /// <see cref="SaveNowAsync(IManagedComponent, string, long, CancellationToken)"/>) and the queued waiters are failed; without
    /// it the next save stored the reloaded state and acknowledged the lost change. Changes whose callers note the generation
    /// after this are made on the reloaded state.
    /// </summary>
    private static void ReplacedLocked(SystemSlot slot, StateVaultException error)
    {
        slot.Generation++;
        slot.LastConflict = error;
        slot.FailWaitersLocked(long.MaxValue, error);
    }

    private Task WaitDurableCoreAsync(IManagedComponent component, string system, long? generation, CancellationToken cancellationToken)
    {
        if (_options.Durability == StateVaultDurability.Deferred)
        {
            return Task.CompletedTask;
        }

        var slot = GetSlot(component, system);
        DurableWaiter waiter;
        lock (slot.Sync)
        {
            if (generation is { } since && since != slot.Generation)
            {
                // The live state was replaced by a reload after the change was made: it may be gone; never acknowledge it.
                return Task.FromException(ConflictOf(slot));
            }

            if (!slot.IsDirty)
            {
                // Every change marked so far is in a snapshot already (saved, or restored).
                return Task.CompletedTask;
            }

            waiter = new DurableWaiter(slot.Version);
            slot.Waiters.Add(waiter);
            slot.Committer ??= Task.Run(() => CommitLoopAsync(slot));
        }

        return AwaitDurableAsync(slot, waiter, cancellationToken);
    }

    public async Task SaveNowAsync(IManagedComponent component, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(component);
        ExceptionDispatchInfo? first = null;
        foreach (var system in component.Systems)
        {
            var slot = GetSlot(component, system);
            try
            {
                await SaveOnceAsync(slot, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                AfterFailedSaveNow(slot, ex);
                first ??= ExceptionDispatchInfo.Capture(ex);
            }
        }

        first?.Throw();
    }

    private void AfterFailedSaveNow(SystemSlot slot, Exception ex)
    {
        if (ex is SecretDetectedException)
        {
            lock (slot.Sync)
            {
                slot.Refused = true;
            }
        }
        else
        {
            StartBackground(slot);
        }
    }

    private static StateVaultException ConflictOf(SystemSlot slot) =>
        slot.LastConflict ?? new SnapshotConcurrencyException(slot.System, slot.SeenSequence ?? 0, slot.SeenSequence ?? 0);

    public SystemPersistenceStatus GetStatus(string system)
    {
        if (!_slots.TryGetValue(system, out var slot))
        {
            return new SystemPersistenceStatus(system, false, false, null, 0, null, null, null, null);
        }

        lock (slot.Sync)
        {
            return slot.ToStatus();
        }
    }

    public IReadOnlyList<SystemPersistenceStatus> GetStatuses() =>
        _slots.Keys.Order(StringComparer.Ordinal).Select(GetStatus).ToList();

    public async Task<IReadOnlyList<RestoreOutcome>> RestoreAsync(IManagedComponent component, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(component);
        var outcomes = new List<RestoreOutcome>();
        foreach (var system in component.Systems)
        {
            var slot = GetSlot(component, system);
            var (outcome, seen) = await RestoreWithFencingAsync(component, system, cancellationToken).ConfigureAwait(false);
            lock (slot.Sync)
            {
                slot.SeenSequence = seen;
                // Whatever the component did while adopting, what it holds now is what the store holds.
                slot.SavedVersion = slot.Version;
                slot.FirstDirtyUtc = null;
                slot.Pending = null;
                slot.Restore = outcome;
                slot.LastSequence = outcome.Sequence;
                slot.LastSavedUtc = outcome.CreatedUtc;
                slot.Timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                slot.CompleteSavedWaitersLocked();
            }

            outcomes.Add(outcome);
        }

        return outcomes;
    }

    /// <summary>Stops autosave and saves every dirty system once, within <paramref name="cancellationToken"/> (the shutdown timeout).</summary>
    public async Task SaveAllAtShutdownAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        var running = new List<Task>();
        foreach (var slot in _slots.Values)
        {
            lock (slot.Sync)
            {
                slot.Timer?.Dispose();
                slot.Timer = null;
                if (slot.Background is { } background)
                {
                    running.Add(background);
                }
            }
        }

        try
        {
            await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The background loops observe the stop token; the final attempts below still run within the timeout.
        }

        var saved = 0;
        foreach (var slot in _slots.Values.OrderBy(s => s.System, StringComparer.Ordinal))
        {
            try
            {
                if (await SaveOnceAsync(slot, cancellationToken).ConfigureAwait(false))
                {
                    saved++;
                }
            }
            catch (Exception ex)
            {
                long? sequence;
                lock (slot.Sync)
                {
                    sequence = slot.LastSequence;
                }

                Log.UnsavedAtShutdown(_logger, slot.System, ex.GetType().Name, sequence, ex);
            }
        }

        Log.SavedAtShutdown(_logger, saved);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself and as IStatePersistence: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Interlocked.Exchange(ref _stopped, 1);
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var slot in _slots.Values)
        {
            lock (slot.Sync)
            {
                slot.Timer?.Dispose();
                slot.Timer = null;
            }
        }

        _stopping.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Interlocked.Exchange(ref _stopped, 1);
        _stopping.Cancel();
        foreach (var slot in _slots.Values)
        {
            lock (slot.Sync)
            {
                slot.Timer?.Dispose();
                slot.Timer = null;
            }
        }

        _stopping.Dispose();
    }

    private async Task AwaitDurableAsync(SystemSlot slot, DurableWaiter waiter, CancellationToken cancellationToken)
    {
        try
        {
            await waiter.Completion.Task.WaitAsync(_options.DurableAckTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            Forget(slot, waiter);
            Log.DurableAckTimedOut(_logger, slot.System, _options.DurableAckTimeout);
            throw new SnapshotStoreException(
                $"The store did not make the change of {slot.System} durable within {_options.DurableAckTimeout.TotalSeconds:0.###} s; it is not acknowledged (it stays pending in memory and may still be stored later).",
                isTransient: true,
                ex);
        }
        catch (OperationCanceledException)
        {
            Forget(slot, waiter);
            throw;
        }
    }

    private static void Forget(SystemSlot slot, DurableWaiter waiter)
    {
        lock (slot.Sync)
        {
            slot.Waiters.Remove(waiter);
        }
    }

    /// <summary>Saves the system until no waiter is left: each pass covers every change marked before its capture.</summary>
    private async Task CommitLoopAsync(SystemSlot slot)
    {
        while (true)
        {
            lock (slot.Sync)
            {
                slot.CompleteSavedWaitersLocked();
                if (slot.Waiters.Count == 0)
                {
                    slot.Committer = null;
                    return;
                }
            }

            try
            {
                // Not the stop token: a waiter is bounded by DurableAckTimeout, and the save at shutdown must not cut this one off half way.
                await SaveOnceAsync(slot, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                lock (slot.Sync)
                {
                    // After a lost compare-and-set (or a lost lease) the save reloaded, and under this lock failed every waiter it
                    // found and bumped the generation. A waiter queued since is for a change made on the reloaded state (one made
                    // before the reload is refused by its generation): the next pass saves it. Failing it here with the old conflict
                    // refused a change that the background save then stored anyway.
                    if (ex is not (SnapshotConcurrencyException or Ownership.SystemNotOwnedException))
                    {
                        // Waiters that arrived after the capture are failed too: the store just refused, and each gets its answer now, not after a hang.
                        slot.FailWaitersLocked(long.MaxValue, ex);
                    }

                    if (ex is SecretDetectedException)
                    {
                        slot.Refused = true;
                    }
                }

                if (ex is not SecretDetectedException)
                {
                    StartBackground(slot);
                }
            }
        }
    }

    private static bool IsTransient(Exception exception) => exception switch
    {
        Ownership.SystemNotOwnedException => false,
        StateVaultException ex => ex.IsTransient,
        IOException or TimeoutException => true,
        _ => false,
    };

    private SystemSlot GetSlot(IManagedComponent component, string system)
    {
        ArgumentNullException.ThrowIfNull(component);
        SystemName.Validate(system);
        var slot = _slots.GetOrAdd(system, static (name, owner) => new SystemSlot(owner, name), component);
        if (!ReferenceEquals(slot.Component, component))
        {
            throw new InvalidOperationException($"System '{system}' belongs to manager '{slot.Component.Name}', not to '{component.Name}'.");
        }

        return slot;
    }

    private void ArmLocked(SystemSlot slot, DateTimeOffset now)
    {
        if (Volatile.Read(ref _stopped) == 1 || !slot.IsDirty || slot.Refused || slot.Background is not null)
        {
            // A running background save captures the newest state on its next attempt and re-arms when it ends.
            return;
        }

        var due = Min(slot.LastChangeUtc!.Value + _options.AutosaveDebounce, slot.FirstDirtyUtc!.Value + _options.AutosaveMaxInterval);
        if (slot.NotBeforeUtc is { } notBefore && notBefore > due)
        {
            due = notBefore;
        }

        var delay = due - now;
        if (delay <= TimeSpan.Zero)
        {
            StartBackgroundLocked(slot);
            return;
        }

        slot.Timer ??= _time.CreateTimer(OnTimer, (this, slot), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        slot.Timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    private static void OnTimer(object? state)
    {
        var (self, slot) = ((AutosaveCoordinator, SystemSlot))state!;
        self.StartBackground(slot);
    }

    private bool StartBackground(SystemSlot slot)
    {
        lock (slot.Sync)
        {
            return StartBackgroundLocked(slot);
        }
    }

    private bool StartBackgroundLocked(SystemSlot slot)
    {
        if (Volatile.Read(ref _stopped) == 1 || !slot.IsDirty || slot.Refused || slot.Background is not null)
        {
            return false;
        }

        slot.Timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        // Assigned under the lock before the loop can reach its own finally block (which takes the same lock).
        slot.Background = Task.Run(() => BackgroundSaveAsync(slot));
        return true;
    }

    private async Task BackgroundSaveAsync(SystemSlot slot)
    {
        var token = _stopping.Token;
        try
        {
            int failures;
            lock (slot.Sync)
            {
                failures = slot.Failures;
            }

            if (failures > 0)
            {
                // Entered after a failed acknowledged save: back off before the first attempt too.
                await Task.Delay(BackoffFor(failures), _time, token).ConfigureAwait(false);
            }

            await _retry.ExecuteAsync(
                static async (state, ct) => await state.self.SaveOnceAsync(state.slot, ct).ConfigureAwait(false),
                (self: this, slot),
                token).ConfigureAwait(false);
            lock (slot.Sync)
            {
                slot.NotBeforeUtc = null;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping: the final save at shutdown takes over.
        }
        catch (Exception ex) when (ex is SnapshotConcurrencyException or Ownership.SystemNotOwnedException)
        {
            // Another writer saved first, or another instance owns the system: the save reloaded the newest state; nothing of
            // this capture is kept.
        }
        catch (SecretDetectedException ex)
        {
            lock (slot.Sync)
            {
                slot.Refused = true;
            }

            Log.SaveRefused(_logger, slot.System, ex.Message);
        }
        catch (Exception ex)
        {
            // Not transient (permissions, a full disk, a bug in a capture): try again after the longest autosave interval.
            lock (slot.Sync)
            {
                slot.NotBeforeUtc = _time.GetUtcNow() + _options.AutosaveMaxInterval;
            }

            Log.SaveRefused(_logger, slot.System, ex.GetType().Name + ": " + ex.Message);
        }
        finally
        {
            lock (slot.Sync)
            {
                slot.Background = null;
                if (slot.IsDirty)
                {
                    ArmLocked(slot, _time.GetUtcNow());
                }
            }
        }
    }

    private TimeSpan BackoffFor(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.PendingRetryBaseDelay.Ticks * factor, _options.PendingRetryMaxDelay.Ticks));
        return delay;
    }

    /// <summary>Saves the newest state of one system if it is dirty. Returns whether a snapshot was written.</summary>
    private async Task<bool> SaveOnceAsync(SystemSlot slot, CancellationToken cancellationToken, long? generation = null)
    {
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long version;
            PendingCopy? pending;
            SaveOptions options;
            Ownership.SystemNotOwnedException? notOwned;
            lock (slot.Sync)
            {
                if (generation is { } since && since != slot.Generation)
                {
                    // Reloads happen under the gate: the caller's change was made before one and may be gone.
                    throw ConflictOf(slot);
                }

                notOwned = _ownership is { } view && (slot.Lease is null || _time.GetUtcNow() >= slot.LeaseValidUntil)
                    ? new Ownership.SystemNotOwnedException(slot.System, view.GetOwner(slot.System))
                    : null;
                options = SaveOptionsFor(slot);
                version = slot.Version;
                if (version == slot.SavedVersion)
                {
                    return false;
                }

                pending = slot.Pending;
            }

            if (notOwned is not null)
            {
                // Only the owner writes: the changes made here are dropped for the owner's newest state, and reported.
                await ReloadAfterConflictAsync(slot, notOwned, conflict: null).ConfigureAwait(false);
                RaiseChanged(slot);
                throw notOwned;
            }

            var capturedAt = _time.GetUtcNow();
            byte[]? json = pending is not null && pending.Version == version ? pending.Json : null;
            SnapshotMetadata metadata;
            try
            {
                // The version is read before the capture: a change racing with it keeps the system dirty for the next save.
                json ??= JsonSerializer.SerializeToUtf8Bytes(slot.Component.CaptureState(slot.System), _vault.JsonOptions);
                metadata = await _vault.SaveJsonAsync(slot.System, json, options, cancellationToken).ConfigureAwait(false);
            }
            catch (SnapshotConcurrencyException conflict)
            {
                await ReloadAfterConflictAsync(slot, conflict, conflict).ConfigureAwait(false);
                RaiseChanged(slot);
                throw;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                lock (slot.Sync)
                {
                    if (json is not null)
                    {
                        slot.Pending = new PendingCopy(version, json, pending?.SinceUtc ?? capturedAt);
                    }

                    slot.Failures++;
                    slot.LastError = ex.GetType().Name + ": " + ex.Message;
                    slot.FailWaitersLocked(version, ex);
                }

                Log.SaveFailedPending(_logger, slot.System, ex.GetType().Name, ex);
                RaiseChanged(slot);
                throw;
            }

            int failures;
            lock (slot.Sync)
            {
                failures = slot.Failures;
                if (version > slot.SavedVersion)
                {
                    slot.SavedVersion = version;
                }

                slot.Pending = null;
                slot.Failures = 0;
                slot.LastError = null;
                slot.LastSequence = metadata.Sequence;
                slot.SeenSequence = metadata.Sequence;
                slot.ConflictOutstanding = false;
                slot.LastSavedUtc = metadata.CreatedUtc;
                slot.FirstDirtyUtc = slot.IsDirty ? capturedAt : null;
                slot.CompleteSavedWaitersLocked();
            }

            if (failures > 0)
            {
                Log.PendingRecovered(_logger, slot.System, metadata.Sequence, failures);
            }
            else
            {
                Log.Saved(_logger, slot.System, metadata.Sequence);
            }

            RaiseChanged(slot);
            return true;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>The options of the next save (called under the slot's lock): a compare-and-set on the newest sequence seen.</summary>
    private static SaveOptions SaveOptionsFor(SystemSlot slot)
    {
        var expected = slot.SeenSequence ?? 0;
        var attributes = slot.Lease is { } lease
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [OwnerAttribute] = lease.OwnerId,
                [OwnerTokenAttribute] = lease.Token.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }
            : null;
        if (slot.Component is not IManagedStateTypes types)
        {
            return new SaveOptions { ExpectedLatestSequence = expected, Attributes = attributes };
        }

        var type = types.GetStateType(slot.System);
        return new SaveOptions { ExpectedLatestSequence = expected, Attributes = attributes, StateType = UpcasterRegistry.GetName(type), SchemaVersion = UpcasterRegistry.GetVersion(type) };
    }

    /// <summary>
    /// Restores a system and returns the fencing base: the newest sequence allocated before the load, or the restored one when
    /// newer (after a fallback past damaged snapshots the base is the newest allocated, so the next save does not conflict with them).
    /// </summary>
    private async Task<(RestoreOutcome Outcome, long Seen)> RestoreWithFencingAsync(IManagedComponent component, string system, CancellationToken cancellationToken)
    {
        var latest = await _vault.GetLatestSequenceAsync(system, cancellationToken).ConfigureAwait(false);
        var outcome = await RestoreSystemAsync(component, system, cancellationToken).ConfigureAwait(false);
        return (outcome, Math.Max(latest, outcome.Sequence ?? 0));
    }

    /// <summary>
    /// After a lost compare-and-set (called under the gate): reloads the newest valid state into the component, fails every waiter
    /// not yet acknowledged with <paramref name="conflict"/> and drops the pending copy. Changes marked before the reload are not
    /// re-applied; callers that noted the generation before their change learn of the conflict.
    /// </summary>
    private async Task ReloadAfterConflictAsync(SystemSlot slot, StateVaultException error, SnapshotConcurrencyException? conflict)
    {
        long before;
        lock (slot.Sync)
        {
            before = slot.Version;
        }

        RestoreOutcome? outcome = null;
        long? seen = null;
        try
        {
            (outcome, seen) = await RestoreWithFencingAsync(slot.Component, slot.System, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ConflictReloadFailed(_logger, slot.System, ex.GetType().Name, ex);
        }

        lock (slot.Sync)
        {
            if (conflict is not null)
            {
                slot.Conflicts++;
                slot.LastConflictUtc = _time.GetUtcNow();
                slot.ConflictOutstanding = true;
            }

            slot.Pending = null;
            slot.Failures = 0;
            if (outcome is not null)
            {
                // What the component holds now is the store's newest state; changes marked after the reload started stay dirty.
                AdoptedLocked(slot, before, outcome, seen!.Value);
            }

            slot.LastError = conflict is null ? null : conflict.GetType().Name + ": " + conflict.Message;
            ReplacedLocked(slot, error);
        }

        if (conflict is not null)
        {
            Log.SaveConflict(_logger, slot.System, conflict.ExpectedSequence, conflict.ActualSequence, outcome?.Sequence);
        }
    }

    private async Task<RestoreOutcome> RestoreSystemAsync(IManagedComponent component, string system, CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedSnapshot>();
        var candidate = await _vault.LoadLatestJsonAsync(system, cancellationToken).ConfigureAwait(false);
        if (candidate is null)
        {
            var latest = await _vault.GetLatestSequenceAsync(system, cancellationToken).ConfigureAwait(false);
            if (latest == 0)
            {
                Log.StartingFromDefaults(_logger, system);
                return new RestoreOutcome(system, null, null, skipped);
            }

            // Snapshots existed but none verified: they were quarantined (the engine logged each) or deleted.
            skipped.Add(new SkippedSnapshot(latest, $"no valid snapshot: the snapshots up to {latest} are damaged (quarantined) or were deleted", Quarantined: false));
            Log.FellBackToDefaults(_logger, system, string.Join(", ", skipped.Select(s => s.Sequence)));
            return new RestoreOutcome(system, null, null, skipped);
        }

        skipped.AddRange(candidate.Skipped);
        while (candidate is not null)
        {
            try
            {
                await component.AdoptAsync(system, candidate, cancellationToken).ConfigureAwait(false);
                var sequence = candidate.Metadata.Sequence;
                if (skipped.Count > 0)
                {
                    Log.RestoredWithFallback(_logger, system, sequence, string.Join(", ", skipped.Select(s => s.Sequence)));
                }
                else
                {
                    Log.Restored(_logger, system, sequence);
                }

                return new RestoreOutcome(system, sequence, candidate.Metadata.CreatedUtc, skipped);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not SnapshotStoreException)
            {
                var sequence = candidate.Metadata.Sequence;
                Log.AdoptFailed(_logger, system, sequence, ex.GetType().Name, ex);
                skipped.Add(new SkippedSnapshot(sequence, $"could not be adopted ({ex.GetType().Name}: {ex.Message})", Quarantined: false));
                candidate = await NextOlderAsync(system, sequence, skipped, cancellationToken).ConfigureAwait(false);
            }
        }

        Log.FellBackToDefaults(_logger, system, string.Join(", ", skipped.Select(s => s.Sequence)));
        return new RestoreOutcome(system, null, null, skipped);
    }

    private async Task<JsonSnapshot?> NextOlderAsync(string system, long below, List<SkippedSnapshot> skipped, CancellationToken cancellationToken)
    {
        foreach (var listing in await _vault.ListAsync(system, cancellationToken).ConfigureAwait(false))
        {
            if (listing.Sequence >= below || skipped.Any(s => s.Sequence == listing.Sequence))
            {
                continue;
            }

            if (!listing.IsValid)
            {
                skipped.Add(new SkippedSnapshot(listing.Sequence, listing.Error!, Quarantined: false));
                continue;
            }

            try
            {
                var snapshot = await _vault.LoadJsonAsync(system, listing.Sequence, cancellationToken).ConfigureAwait(false);
                if (snapshot is not null)
                {
                    return snapshot;
                }
            }
            catch (SnapshotCorruptedException ex)
            {
                skipped.Add(new SkippedSnapshot(listing.Sequence, ex.Message, Quarantined: false));
            }
        }

        return null;
    }

    private void RaiseChanged(SystemSlot slot)
    {
        var handlers = Changed;
        if (handlers is null)
        {
            return;
        }

        var args = new ManagedStateChangedEventArgs(slot.Component.Name, slot.System);
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<ManagedStateChangedEventArgs>>())
        {
            try
            {
                handler(this, args);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A failing subscriber (a closed event stream) must not break persistence.
                Log.SubscriberFailed(_logger, slot.System, ex);
            }
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
}
