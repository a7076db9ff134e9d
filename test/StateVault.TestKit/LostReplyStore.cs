using System.Runtime.CompilerServices;
using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>
/// Wraps a store and loses the reply of chosen appends: the append runs to completion on the inner store (the snapshot is
/// stored and durable), then a transient <see cref="SnapshotStoreException"/> is thrown, as when a commit's answer never
/// arrives or a server answers 5xx after storing.
/// </summary>
public sealed class LostReplyStore(ISnapshotStore inner) : ISnapshotStore
{
    private int _lostReplies;
    private int _appendCalls;

    /// <summary>How many of the next appends lose their reply.</summary>
    public int LoseReplies
    {
        get => Volatile.Read(ref _lostReplies);
        set => Volatile.Write(ref _lostReplies, value);
    }

    /// <summary>Appends started through this wrapper.</summary>
    public int AppendCalls => Volatile.Read(ref _appendCalls);

    /// <inheritdoc />
    public string Kind => inner.Kind;

    /// <inheritdoc />
    public SnapshotStoreCapabilities Capabilities => inner.Capabilities;

    /// <inheritdoc />
    public async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _appendCalls);
        var sequence = await inner.AppendAsync(system, expectedLatestSequence, createEnvelope, cancellationToken).ConfigureAwait(false);
        if (Interlocked.Decrement(ref _lostReplies) >= 0)
        {
            throw new SnapshotStoreException($"simulated lost reply after snapshot {sequence} of {system} was stored", isTransient: true);
        }

        Interlocked.Increment(ref _lostReplies);
        return sequence;
    }

    /// <inheritdoc />
    public Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken) => inner.ImportAsync(system, sequence, envelope, cancellationToken);

    /// <inheritdoc />
    public Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken) => inner.ReadAsync(system, sequence, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in inner.ListAsync(system, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    /// <inheritdoc />
    public Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken) => inner.GetLatestSequenceAsync(system, cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken) => inner.DeleteAsync(system, sequence, cancellationToken);

    /// <inheritdoc />
    public Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken) => inner.QuarantineAsync(system, sequence, reason, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<string> ListSystemsAsync(CancellationToken cancellationToken) => inner.ListSystemsAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
