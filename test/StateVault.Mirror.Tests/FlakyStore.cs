using System.Runtime.CompilerServices;
using StateVault.Storage;

namespace StateVault.Mirror.Tests;

/// <summary>
/// Wraps a real store and makes it unreachable on demand: <see cref="FlakyMode.Down"/> fails every call with a transient
/// <see cref="SnapshotStoreException"/> (as a store does when its server is gone); <see cref="FlakyMode.Blocked"/> makes
/// every call wait until the mode changes (a server that accepts connections and never answers).
/// </summary>
internal sealed class FlakyStore(ISnapshotStore inner) : ISnapshotStore
{
    private readonly Lock _lock = new();
    private FlakyMode _mode = FlakyMode.Up;
    private TaskCompletionSource _unblocked = NewGate();
    private int _failedCalls;

    public ISnapshotStore Inner => inner;

    public int FailedCalls => Volatile.Read(ref _failedCalls);

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

    public string Kind => inner.Kind;

    public SnapshotStoreCapabilities Capabilities => CapabilitiesOverride ?? inner.Capabilities;

    /// <summary>Capabilities to claim instead of the inner store's (a local store posing as a remote one).</summary>
    public SnapshotStoreCapabilities? CapabilitiesOverride { get; set; }

    public async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
    {
        await GateAsync(cancellationToken);
        return await inner.AppendAsync(system, expectedLatestSequence, createEnvelope, cancellationToken);
    }

    public async Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken)
    {
        await GateAsync(cancellationToken);
        return await inner.ImportAsync(system, sequence, envelope, cancellationToken);
    }

    public async Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        await GateAsync(cancellationToken);
        return await inner.ReadAsync(system, sequence, cancellationToken);
    }

    public async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await GateAsync(cancellationToken);
        await foreach (var item in inner.ListAsync(system, cancellationToken))
        {
            yield return item;
        }
    }

    public async Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken)
    {
        await GateAsync(cancellationToken);
        return await inner.GetLatestSequenceAsync(system, cancellationToken);
    }

    public async Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        await GateAsync(cancellationToken);
        return await inner.DeleteAsync(system, sequence, cancellationToken);
    }

    public async Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken)
    {
        await GateAsync(cancellationToken);
        return await inner.QuarantineAsync(system, sequence, reason, cancellationToken);
    }

    public async IAsyncEnumerable<string> ListSystemsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await GateAsync(cancellationToken);
        await foreach (var item in inner.ListSystemsAsync(cancellationToken))
        {
            yield return item;
        }
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

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

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

internal enum FlakyMode
{
    Up,
    Down,
    Blocked,
}
