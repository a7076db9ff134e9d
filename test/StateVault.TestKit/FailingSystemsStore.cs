using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>Wraps a store and throws transient <see cref="SnapshotStoreException"/>s for appends (and probes) of the systems selected by <see cref="FailFor"/>.</summary>
public sealed class FailingSystemsStore(ISnapshotStore inner) : DelegatingSnapshotStore<ISnapshotStore>(inner, ownsInner: true)
{
    private volatile Func<string, bool> _failFor = _ => false;
    private int _failedAppends;
    private int _appends;
    private volatile Func<string, CancellationToken, Task>? _beforeAppend;
    private volatile Func<string, CancellationToken, Task>? _beforeRead;

    /// <summary>Selects the systems whose appends and latest-sequence probes fail (none by default).</summary>
    public Func<string, bool> FailFor
    {
        get => _failFor;
        set => _failFor = value;
    }

    /// <summary>Appends failed by <see cref="FailFor"/>.</summary>
    public int FailedAppends => Volatile.Read(ref _failedAppends);

    /// <summary>Appends that reached the inner store (each one a durable write).</summary>
    public int Appends => Volatile.Read(ref _appends);

    /// <summary>Awaited before every append (e.g. to hold a save in flight).</summary>
    public Func<string, CancellationToken, Task>? BeforeAppend
    {
        get => _beforeAppend;
        set => _beforeAppend = value;
    }

    /// <summary>Awaited before every read of a snapshot's bytes (e.g. to hold a reload before it adopts).</summary>
    public Func<string, CancellationToken, Task>? BeforeRead
    {
        get => _beforeRead;
        set => _beforeRead = value;
    }

    /// <inheritdoc />
    public override async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
    {
        if (BeforeAppend is { } before)
        {
            await before(system, cancellationToken).ConfigureAwait(false);
        }

        if (FailFor(system))
        {
            Interlocked.Increment(ref _failedAppends);
            throw new SnapshotStoreException($"simulated outage appending to {system}", isTransient: true);
        }

        var sequence = await Inner.AppendAsync(system, expectedLatestSequence, createEnvelope, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _appends);
        return sequence;
    }

    /// <inheritdoc />
    public override async Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        if (BeforeRead is { } before)
        {
            await before(system, cancellationToken).ConfigureAwait(false);
        }

        return await Inner.ReadAsync(system, sequence, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken) =>
        FailFor(system) ? throw new SnapshotStoreException($"simulated outage reading {system}", isTransient: true) : Inner.GetLatestSequenceAsync(system, cancellationToken);
}
