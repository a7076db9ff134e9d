using System.Runtime.CompilerServices;
using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>
/// Wraps a real store and makes it fail on demand, in two ways that can be used alone or together:
/// <list type="bullet">
/// <item>an outage, through <see cref="Mode"/>: <see cref="FlakyMode.Down"/> fails every call with a transient
/// <see cref="SnapshotStoreException"/> (as a store does when its server is gone); <see cref="FlakyMode.Blocked"/> makes
/// every call wait until the mode changes (a server that accepts connections and never answers);</item>
/// <item>chosen operations: the next <see cref="AppendFailures"/> appends throw a <see cref="SnapshotStoreException"/> with
/// <see cref="AppendFailuresAreTransient"/>, and so on, thrown by the call itself before the inner store is reached.</item>
/// </list>
/// Counts appends, reads and deletes. Claims <see cref="ISnapshotStore"/> only, whatever the inner store implements.
/// </summary>
public sealed class FlakyStore(ISnapshotStore inner) : DelegatingSnapshotStore<ISnapshotStore>(inner, ownsInner: true)
{
    private readonly Lock _lock = new();
    private FlakyMode _mode = FlakyMode.Up;
    private TaskCompletionSource _unblocked = NewGate();
    private int _failedCalls;
    private int _appendCalls;
    private int _readCalls;
    private int _deleteCalls;

    /// <summary>Whether the store is reachable; see <see cref="FlakyMode"/>. Leaving <see cref="FlakyMode.Blocked"/> releases the waiting calls.</summary>
    public FlakyMode Mode
    {
        get
        {
            lock (_lock)
            {
                return _mode;
            }
        }

        set
        {
            lock (_lock)
            {
                _mode = value;
                if (value != FlakyMode.Blocked)
                {
                    _unblocked.TrySetResult();
                    _unblocked = NewGate();
                }
            }
        }
    }

    /// <summary>Calls failed by <see cref="FlakyMode.Down"/>.</summary>
    public int FailedCalls => Volatile.Read(ref _failedCalls);

    /// <summary>How many of the next appends throw (a <see cref="SnapshotStoreException"/> with <see cref="AppendFailuresAreTransient"/>).</summary>
    public int AppendFailures { get; set; }

    /// <summary>Whether the failures of <see cref="AppendFailures"/> are transient (the default) or permanent.</summary>
    public bool AppendFailuresAreTransient { get; set; } = true;

    /// <summary>How many of the next reads throw a transient <see cref="SnapshotStoreException"/>.</summary>
    public int ReadFailures { get; set; }

    /// <summary>How many of the next deletes throw a permanent <see cref="SnapshotStoreException"/>.</summary>
    public int DeleteFailures { get; set; }

    /// <summary>Quarantine moves fail (as on a read-only or full file system) while this is set.</summary>
    public bool QuarantineFails { get; set; }

    /// <summary>When set, the sequence the inner store allocates is replaced by this function's result (a store that wraps).</summary>
    public Func<long, long>? SequenceOverride { get; set; }

    /// <summary>Appends started through this wrapper, failed ones included.</summary>
    public int AppendCalls => _appendCalls;

    /// <summary>Reads started through this wrapper, failed ones included.</summary>
    public int ReadCalls => _readCalls;

    /// <summary>Deletes started through this wrapper, failed ones included.</summary>
    public int DeleteCalls => _deleteCalls;

    /// <summary>Capabilities to claim instead of the inner store's (a local store posing as a remote one, or as one where compression pays).</summary>
    public SnapshotStoreCapabilities? CapabilitiesOverride { get; set; }

    /// <inheritdoc />
    public override SnapshotStoreCapabilities Capabilities => CapabilitiesOverride ?? Inner.Capabilities;

    /// <inheritdoc />
    public override Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _appendCalls);
        if (AppendFailures > 0)
        {
            AppendFailures--;
            throw new SnapshotStoreException("injected append failure", AppendFailuresAreTransient);
        }

        Func<long, EnvelopeBytes> create = SequenceOverride is { } map ? seq => createEnvelope(map(seq)) : createEnvelope;
        return Gated(() => Inner.AppendAsync(system, expectedLatestSequence, create, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public override Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken) =>
        Gated(() => Inner.ImportAsync(system, sequence, envelope, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public override Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _readCalls);
        if (ReadFailures > 0)
        {
            ReadFailures--;
            throw new SnapshotStoreException("injected read failure", isTransient: true);
        }

        return Gated(() => Inner.ReadAsync(system, sequence, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await GateAsync(cancellationToken);
        await foreach (var item in Inner.ListAsync(system, cancellationToken))
        {
            yield return item;
        }
    }

    /// <inheritdoc />
    public override Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken) =>
        Gated(() => Inner.GetLatestSequenceAsync(system, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public override Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _deleteCalls);
        if (DeleteFailures > 0)
        {
            DeleteFailures--;
            throw new SnapshotStoreException("injected delete failure", isTransient: false);
        }

        return Gated(() => Inner.DeleteAsync(system, sequence, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public override Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken) =>
        QuarantineFails
            ? throw new SnapshotStoreException($"Quarantining snapshot {sequence} of '{system}' failed: Read-only file system", isTransient: false)
            : Gated(() => Inner.QuarantineAsync(system, sequence, reason, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public override async IAsyncEnumerable<string> ListSystemsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await GateAsync(cancellationToken);
        await foreach (var item in Inner.ListSystemsAsync(cancellationToken))
        {
            yield return item;
        }
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Up: the call goes straight to the inner store. Otherwise it goes through <see cref="GateAsync"/> first.</summary>
    private Task<T> Gated<T>(Func<Task<T>> call, CancellationToken cancellationToken) =>
        Mode == FlakyMode.Up ? call() : AfterGateAsync(call, cancellationToken);

    private async Task<T> AfterGateAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        await GateAsync(cancellationToken);
        return await call();
    }

    private async Task GateAsync(CancellationToken cancellationToken)
    {
        Task wait;
        lock (_lock)
        {
            if (_mode == FlakyMode.Up)
            {
                return;
            }

            if (_mode == FlakyMode.Down)
            {
                Interlocked.Increment(ref _failedCalls);
                throw new SnapshotStoreException("Simulated outage: connection refused", isTransient: true);
            }

            wait = _unblocked.Task;
        }

        await wait.WaitAsync(cancellationToken);
        await GateAsync(cancellationToken);
    }
}

/// <summary>How reachable a <see cref="FlakyStore"/> is.</summary>
public enum FlakyMode
{
    /// <summary>Every call reaches the inner store.</summary>
    Up,

    /// <summary>Every call fails with a transient <see cref="SnapshotStoreException"/>, as when the server is gone.</summary>
    Down,

    /// <summary>Every call waits until the mode changes, as with a server that accepts connections and never answers.</summary>
    Blocked,
}
