using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using StateVault.Hosting;

namespace StateVault.Managers;

/// <summary>
/// The shared part of every manager: lifecycle status, a heartbeat on the injected clock, metrics, a bounded operation
/// history, events, and the plumbing of <see cref="IManagedComponent"/> to the state cells the manager owns.
/// A manager adds its systems with <see cref="AddSystem{TState}"/> and wraps each operation in <see cref="Run{T}"/>.
/// </summary>
public abstract class ManagerBase : IManagedComponent, IManagedLifecycle, IManagedStateTypes, IManagedHealth, IDisposable
{
    private readonly Dictionary<string, IStateCell> _cells = new(StringComparer.Ordinal);
    private readonly List<string> _systems = [];
    private readonly Lock _sync = new();
    private readonly Queue<OperationRecord> _history = new();
    private ManagerStatus _status = ManagerStatus.Offline;
    private long _operations;
    private long _errors;
    private long _heartbeats;
    private long _busy;
    private DateTimeOffset? _startedUtc;
    private DateTimeOffset? _lastHeartbeatUtc;
    private DateTimeOffset _lastOperationUtc;
    private ITimer? _heartbeat;
    private bool _disposed;

    /// <summary>Creates the base.</summary>
    /// <param name="name">The manager name (also its main system's name).</param>
    /// <param name="context">The shared services.</param>
    protected ManagerBase(string name, ManagerContext context)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(context);
        Name = name;
        Context = context;
        Logger = context.LoggerFactory.CreateLogger(GetType());
        InstanceId = Ids.New("manager", context.Time);
        _lastOperationUtc = context.Time.GetUtcNow();
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The id of this manager instance (new every process start).</summary>
    public string InstanceId { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Systems => _systems;

    /// <inheritdoc />
    public string Status => CurrentStatus.ToWireName();

    /// <summary>The lifecycle status.</summary>
    public ManagerStatus CurrentStatus
    {
        get
        {
            lock (_sync)
            {
                return _status;
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> Summary
    {
        get
        {
            var metrics = GetMetrics();
            var summary = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["status"] = Status,
                ["uptime_seconds"] = Math.Round(metrics.Uptime.TotalSeconds, 1),
                ["operations_processed"] = metrics.OperationsProcessed,
                ["errors"] = metrics.Errors,
                ["performance_score"] = metrics.PerformanceScore,
                ["last_heartbeat"] = metrics.LastHeartbeatUtc,
            };
            foreach (var system in _systems)
            {
                var persistence = Context.Persistence.GetStatus(system);
                if (persistence.Restore is { } restore)
                {
                    summary[$"restored_from.{system}"] = restore.Sequence;
                    if (restore.FellBack)
                    {
                        summary[$"fallback.{system}"] = string.Join("; ", restore.Skipped.Select(s => $"snapshot {s.Sequence} skipped: {s.Reason}"));
                    }
                }

                if (persistence.Pending)
                {
                    summary[$"unsaved.{system}"] = persistence.ConsecutiveFailures;
                }
            }

            AddSummary(summary);
            return summary;
        }
    }

    /// <summary>Raised when the status changes.</summary>
    public event EventHandler<ManagerStatusChangedEventArgs>? StatusChanged;

    /// <summary>Raised after each operation.</summary>
    public event EventHandler<ManagerOperationEventArgs>? OperationCompleted;

    /// <summary>The shared services.</summary>
    protected internal ManagerContext Context { get; }

    /// <summary>The clock.</summary>
    protected TimeProvider Time => Context.Time;

    /// <summary>The logger of the concrete manager.</summary>
    protected ILogger Logger { get; }

    /// <summary>The common figures.</summary>
    public ManagerMetrics GetMetrics()
    {
        lock (_sync)
        {
            var recent = _history.ToList();
            var score = recent.Count == 0 ? 100.0 : Math.Round(100.0 * recent.Count(r => r.Succeeded) / recent.Count, 1);
            var average = recent.Count == 0 ? 0 : Math.Round(recent.Average(r => r.DurationMs), 3);
            var uptime = _startedUtc is { } started ? Time.GetUtcNow() - started : TimeSpan.Zero;
            return new ManagerMetrics(_operations, _errors, uptime, score, average, _heartbeats, _lastHeartbeatUtc);
        }
    }

    /// <summary>The recent operations, oldest first.</summary>
    public IReadOnlyList<OperationRecord> GetOperationHistory()
    {
        lock (_sync)
        {
            return [.. _history];
        }
    }

    /// <inheritdoc />
    public JsonNode CaptureState(string system) => Cell(system).Capture();

    /// <inheritdoc />
    public async Task AdoptAsync(string system, JsonSnapshot snapshot, CancellationToken cancellationToken)
    {
        var previous = CurrentStatus;
        SetStatus(ManagerStatus.Recovering);
        try
        {
            await Cell(system).AdoptAsync(snapshot, cancellationToken).ConfigureAwait(false);
            OnAdopted(system);
        }
        finally
        {
            // A reload while running (another writer saved first) leaves the manager in the status it had.
            if (previous is ManagerStatus.Online or ManagerStatus.Busy or ManagerStatus.Idle or ManagerStatus.Maintenance)
            {
                SetStatus(previous, onlyFrom: [ManagerStatus.Recovering]);
            }
        }
    }

    /// <inheritdoc />
    public Task SaveNowAsync(CancellationToken cancellationToken) => Context.Persistence.SaveNowAsync(this, cancellationToken);

    /// <inheritdoc />
    public Type GetStateType(string system) => Cell(system).StateType;

    /// <inheritdoc />
    public virtual HealthCheckResult CheckHealth()
    {
        var metrics = GetMetrics();
        var data = new Dictionary<string, object>
        {
            ["operations_processed"] = metrics.OperationsProcessed,
            ["errors"] = metrics.Errors,
            ["performance_score"] = metrics.PerformanceScore,
        };
        var status = CurrentStatus;
        if ((status is ManagerStatus.Online or ManagerStatus.Busy or ManagerStatus.Idle)
            && metrics.LastHeartbeatUtc is { } last
            && Time.GetUtcNow() - last > 3 * Context.Options.HeartbeatInterval)
        {
            return HealthCheckResult.Degraded($"{Name}: no heartbeat since {last:O}", data: data);
        }

        return HealthCheckResult.Healthy($"{Name} is {Status}", data);
    }

    /// <inheritdoc />
    public async Task StartWorkAsync(CancellationToken cancellationToken)
    {
        SetStatus(ManagerStatus.Initializing);
        try
        {
            await OnStartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One manager failing to start leaves the others running; its health check turns Unhealthy.
            ManagersLog.StartFailed(Logger, Name, ex);
            SetStatus(ManagerStatus.Error);
            return;
        }

        lock (_sync)
        {
            _startedUtc = Time.GetUtcNow();
            _lastHeartbeatUtc = _startedUtc;
            _lastOperationUtc = _startedUtc.Value;
            _heartbeat?.Dispose();
            _heartbeat = Time.CreateTimer(static s => ((ManagerBase)s!).Heartbeat(), this, Context.Options.HeartbeatInterval, Context.Options.HeartbeatInterval);
        }

        SetStatus(ManagerStatus.Online);
    }

    /// <inheritdoc />
    public async Task StopWorkAsync(CancellationToken cancellationToken)
    {
        SetStatus(ManagerStatus.ShuttingDown);
        lock (_sync)
        {
            _heartbeat?.Dispose();
            _heartbeat = null;
        }

        try
        {
            await OnStopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            SetStatus(ManagerStatus.Offline);
        }
    }

    /// <summary>Puts the manager into maintenance, or back to online.</summary>
    public void SetMaintenance(bool maintenance)
    {
        lock (_sync)
        {
            if (!maintenance && _status != ManagerStatus.Maintenance)
            {
                return;
            }
        }

        SetStatus(maintenance ? ManagerStatus.Maintenance : ManagerStatus.Online);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the heartbeat.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            lock (_sync)
            {
                _heartbeat?.Dispose();
                _heartbeat = null;
            }
        }
    }

    /// <summary>Adds a system this manager owns, with its default state.</summary>
    /// <param name="system">The system name.</param>
    /// <param name="defaults">The state when no snapshot exists.</param>
    /// <param name="normalize">Applied to the defaults and to every restored state (fill what older snapshots lack, re-check invariants).</param>
    protected StateCell<TState> AddSystem<TState>(string system, TState defaults, Func<TState, TState>? normalize = null)
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var cell = new StateCell<TState>(this, system, defaults, normalize);
        _cells.Add(cell.System, cell);
        _systems.Add(cell.System);
        return cell;
    }

    /// <summary>Adds the manager's own figures to the dashboard summary.</summary>
    protected abstract void AddSummary(IDictionary<string, object?> summary);

    /// <summary>Runs when the host starts the manager's work, after every state was restored.</summary>
    protected virtual Task OnStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs when the host stops the manager's work, before the final save.</summary>
    protected virtual Task OnStopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs after a restored snapshot of <paramref name="system"/> was adopted.</summary>
    protected virtual void OnAdopted(string system)
    {
    }

    /// <summary>Runs on every heartbeat.</summary>
    protected virtual void OnHeartbeat()
    {
    }

    /// <summary>Runs an operation: counts it, times it, records it in the history and raises <see cref="OperationCompleted"/>.</summary>
    protected T Run<T>(string operation, Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var started = Time.GetUtcNow();
        var timestamp = Time.GetTimestamp();
        try
        {
            var result = action();
            Record(operation, started, timestamp, null);
            return result;
        }
        catch (Exception ex)
        {
            Record(operation, started, timestamp, ex);
            throw;
        }
    }

    /// <summary>Runs an operation with no result (see <see cref="Run{T}"/>).</summary>
    protected void Run(string operation, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Run(operation, () =>
        {
            action();
            return true;
        });
    }

    /// <summary>Runs a long operation; the status is <c>busy</c> while it runs (see <see cref="Run{T}"/>).</summary>
    protected async Task<T> RunAsync<T>(string operation, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var started = Time.GetUtcNow();
        var timestamp = Time.GetTimestamp();
        if (Interlocked.Increment(ref _busy) == 1)
        {
            SetStatus(ManagerStatus.Busy, onlyFrom: [ManagerStatus.Online, ManagerStatus.Idle]);
        }

        try
        {
            var result = await action(cancellationToken).ConfigureAwait(false);
            Record(operation, started, timestamp, null);
            return result;
        }
        catch (Exception ex)
        {
            Record(operation, started, timestamp, ex);
            throw;
        }
        finally
        {
            if (Interlocked.Decrement(ref _busy) == 0)
            {
                SetStatus(ManagerStatus.Online, onlyFrom: [ManagerStatus.Busy]);
            }
        }
    }

    /// <summary>
    /// Runs a synchronous operation (<paramref name="operation"/>, e.g. one of the manager's <see cref="Run{T}"/> methods) and returns its
    /// result once every change of this manager's systems made so far is durable (see <see cref="WhenDurableAsync(CancellationToken)"/>).
    /// </summary>
    protected async Task<T> RunDurableAsync<T>(Func<T> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var generations = CaptureGenerations();
        var result = operation();
        await WhenDurableAsync(generations, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Runs a synchronous operation with no result and returns once its changes are durable (see <see cref="RunDurableAsync{T}"/>).</summary>
    protected Task RunDurableAsync(Action operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return RunDurableAsync(() =>
        {
            operation();
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Returns once every change made so far to this manager's systems is in a durable snapshot (group commit: one save covers
    /// every change that queued while the previous one was in flight). Under <see cref="StateVaultDurability.Deferred"/> it returns at once.
    /// </summary>
    /// <exception cref="StateVaultException">The store failed or did not answer in time: the changes are not acknowledged (they stay pending).</exception>
    public Task WhenDurableAsync(CancellationToken cancellationToken = default)
    {
        if (_systems.Count == 1)
        {
            return Context.Persistence.WaitDurableAsync(this, _systems[0], cancellationToken);
        }

        return Task.WhenAll(_systems.Select(system => Context.Persistence.WaitDurableAsync(this, system, cancellationToken)));
    }

    /// <summary>
    /// The reload generation of each of this manager's systems (see <see cref="IStatePersistence.GetGeneration"/>). Take it before a
    /// change and pass it to <see cref="WhenDurableAsync(IReadOnlyList{long}, CancellationToken)"/>: a reload after a lost
    /// compare-and-set in between is then reported as a conflict instead of acknowledging a change that may be gone.
    /// </summary>
    protected IReadOnlyList<long> CaptureGenerations() => [.. _systems.Select(Context.Persistence.GetGeneration)];

    /// <summary>
    /// Returns once every change made so far is durable, for changes made after <paramref name="generations"/> were taken
    /// (<see cref="CaptureGenerations"/>); <see cref="SnapshotConcurrencyException"/> when a system was reloaded since.
    /// </summary>
    protected Task WhenDurableAsync(IReadOnlyList<long> generations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(generations);
        if (_systems.Count == 1)
        {
            return Context.Persistence.WaitDurableAsync(this, _systems[0], generations[0], cancellationToken);
        }

        return Task.WhenAll(_systems.Select((system, i) => Context.Persistence.WaitDurableAsync(this, system, generations[i], cancellationToken)));
    }

    /// <summary>Saves <paramref name="system"/> now for a change made after <paramref name="generation"/> was taken (see <see cref="IStatePersistence.SaveNowAsync(IManagedComponent, string, long, CancellationToken)"/>).</summary>
    protected Task SaveNowAsync(string system, long generation, CancellationToken cancellationToken) =>
        Context.Persistence.SaveNowAsync(this, system, generation, cancellationToken);

    /// <summary>Sets the status (optionally only from the given ones) and raises <see cref="StatusChanged"/>.</summary>
    protected void SetStatus(ManagerStatus status, ManagerStatus[]? onlyFrom = null)
    {
        ManagerStatus previous;
        lock (_sync)
        {
            previous = _status;
            if (previous == status || (onlyFrom is not null && !onlyFrom.Contains(previous)))
            {
                return;
            }

            _status = status;
        }

        ManagersLog.StatusChanged(Logger, Name, previous.ToWireName(), status.ToWireName());
        StatusChanged?.Invoke(this, new ManagerStatusChangedEventArgs(previous, status));
    }

    /// <summary>A new unique id with the given prefix.</summary>
    protected string NewId(string prefix) => Ids.New(prefix, Time);

    private IStateCell Cell(string system) =>
        _cells.TryGetValue(system, out var cell) ? cell : throw new ArgumentException($"Manager '{Name}' does not own system '{system}'.", nameof(system));

    private void Record(string operation, DateTimeOffset started, long timestamp, Exception? error)
    {
        var record = new OperationRecord(
            NewId("op"),
            operation,
            started,
            Math.Round(Time.GetElapsedTime(timestamp).TotalMilliseconds, 3),
            error is null,
            error?.GetType().Name);
        lock (_sync)
        {
            _operations++;
            if (error is not null)
            {
                _errors++;
            }

            _lastOperationUtc = started;
            _history.Enqueue(record);
            while (_history.Count > Context.Options.OperationHistoryLimit)
            {
                _history.Dequeue();
            }
        }

        if (CurrentStatus == ManagerStatus.Idle)
        {
            SetStatus(ManagerStatus.Online, onlyFrom: [ManagerStatus.Idle]);
        }

        OperationCompleted?.Invoke(this, new ManagerOperationEventArgs(record));
    }

    private void Heartbeat()
    {
        bool goIdle;
        lock (_sync)
        {
            var now = Time.GetUtcNow();
            _heartbeats++;
            _lastHeartbeatUtc = now;
            goIdle = _status == ManagerStatus.Online && Interlocked.Read(ref _busy) == 0 && now - _lastOperationUtc >= Context.Options.IdleAfter;
        }

        if (goIdle)
        {
            SetStatus(ManagerStatus.Idle, onlyFrom: [ManagerStatus.Online]);
        }

        try
        {
            OnHeartbeat();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ManagersLog.HeartbeatFailed(Logger, Name, ex);
        }
    }

    /// <summary>Formats a time for summaries.</summary>
    protected static string FormatTime(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Elapsed milliseconds since a <see cref="TimeProvider.GetTimestamp"/> value, rounded.</summary>
    protected double ElapsedMs(long timestamp) => Math.Round(Time.GetElapsedTime(timestamp).TotalMilliseconds, 3);
}
