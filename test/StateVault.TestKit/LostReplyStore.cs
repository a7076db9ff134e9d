using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>
/// Wraps a store and loses the reply of chosen appends: the append runs to completion on the inner store (the snapshot is
/// stored and durable), then a transient <see cref="SnapshotStoreException"/> is thrown, as when a commit's answer never
/// arrives or a server answers 5xx after storing. Disposing it leaves the inner store open.
/// </summary>
public sealed class LostReplyStore(ISnapshotStore inner) : DelegatingSnapshotStore<ISnapshotStore>(inner, ownsInner: false)
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
    public override async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _appendCalls);
        var sequence = await Inner.AppendAsync(system, expectedLatestSequence, createEnvelope, cancellationToken).ConfigureAwait(false);
        if (Interlocked.Decrement(ref _lostReplies) >= 0)
        {
            throw new SnapshotStoreException($"simulated lost reply after snapshot {sequence} of {system} was stored", isTransient: true);
        }

        Interlocked.Increment(ref _lostReplies);
        return sequence;
    }
}
