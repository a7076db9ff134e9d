using System.Runtime.CompilerServices;
using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>Wraps a store and throws transient <see cref="SnapshotStoreException"/>s for appends (and probes) of the systems selected by <see cref="FailFor"/>.</summary>
public sealed class FailingSystemsStore(ISnapshotStore inner) : ISnapshotStore
{
    private volatile Func<string, bool> _failFor = _ => false;
    private int _failedAppends;
    private int _appends;
    private volatile Func<string, CancellationToken, Task>? _beforeAppend;
    private volatile Func<string, CancellationToken, Task>? _beforeRead;

    public Func<string, bool> FailFor
    {
        get => _failFor;
        set => _failFor = value;
    }

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

    public string Kind => inner.Kind;

    public SnapshotStoreCapabilities Capabilities => inner.Capabilities;

    public async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
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

        var sequence = await inner.AppendAsync(system, expectedLatestSequence, createEnvelope, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _appends);
        return sequence;
    }

    public Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken) => inner.ImportAsync(system, sequence, envelope, cancellationToken);

    public async Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        if (BeforeRead is { } before)
        {
            await before(system, cancellationToken).ConfigureAwait(false);
        }

        return await inner.ReadAsync(system, sequence, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in inner.ListAsync(system, cancellationToken))
        {
            yield return item;
        }
    }

    public Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken) =>
        FailFor(system) ? throw new SnapshotStoreException($"simulated outage reading {system}", isTransient: true) : inner.GetLatestSequenceAsync(system, cancellationToken);

    public Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken) => inner.DeleteAsync(system, sequence, cancellationToken);

    public Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken) => inner.QuarantineAsync(system, sequence, reason, cancellationToken);

    public IAsyncEnumerable<string> ListSystemsAsync(CancellationToken cancellationToken) => inner.ListSystemsAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
