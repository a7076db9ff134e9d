using StateVault.Storage;

namespace StateVault.Tests.Support;

/// <summary>
/// Wraps a real store and makes chosen operations fail: the next <see cref="AppendFailures"/> appends throw a
/// <see cref="SnapshotStoreException"/> with <see cref="AppendFailuresAreTransient"/>, and so on. Counts every call.
/// </summary>
internal sealed class FlakyStore(ISnapshotStore inner) : ISnapshotStore
{
    private int _appendCalls;
    private int _readCalls;
    private int _deleteCalls;

    public int AppendFailures { get; set; }

    public bool AppendFailuresAreTransient { get; set; } = true;

    public int ReadFailures { get; set; }

    public int DeleteFailures { get; set; }

    /// <summary>Quarantine moves fail (as on a read-only or full file system) while this is set.</summary>
    public bool QuarantineFails { get; set; }

    /// <summary>When set, the sequence the inner store allocates is replaced by this function's result (a store that wraps).</summary>
    public Func<long, long>? SequenceOverride { get; set; }

    public int AppendCalls => _appendCalls;

    public int ReadCalls => _readCalls;

    public int DeleteCalls => _deleteCalls;

    public string Kind => inner.Kind;

    public SnapshotStoreCapabilities Capabilities => CapabilitiesOverride ?? inner.Capabilities;

    /// <summary>Capabilities to claim instead of the inner store's (a local store posing as one where compression pays).</summary>
    public SnapshotStoreCapabilities? CapabilitiesOverride { get; set; }

    public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _appendCalls);
        if (AppendFailures > 0)
        {
            AppendFailures--;
            throw new SnapshotStoreException("injected append failure", AppendFailuresAreTransient);
        }

        return SequenceOverride is { } map
            ? inner.AppendAsync(system, expectedLatestSequence, seq => createEnvelope(map(seq)), cancellationToken)
            : inner.AppendAsync(system, expectedLatestSequence, createEnvelope, cancellationToken);
    }

    public Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken) =>
        inner.ImportAsync(system, sequence, envelope, cancellationToken);

    public Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _readCalls);
        if (ReadFailures > 0)
        {
            ReadFailures--;
            throw new SnapshotStoreException("injected read failure", isTransient: true);
        }

        return inner.ReadAsync(system, sequence, cancellationToken);
    }

    public IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, CancellationToken cancellationToken) => inner.ListAsync(system, cancellationToken);

    public Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken) => inner.GetLatestSequenceAsync(system, cancellationToken);

    public Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _deleteCalls);
        if (DeleteFailures > 0)
        {
            DeleteFailures--;
            throw new SnapshotStoreException("injected delete failure", isTransient: false);
        }

        return inner.DeleteAsync(system, sequence, cancellationToken);
    }

    public Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken) =>
        QuarantineFails
            ? throw new SnapshotStoreException($"Quarantining snapshot {sequence} of '{system}' failed: Read-only file system", isTransient: false)
            : inner.QuarantineAsync(system, sequence, reason, cancellationToken);

    public IAsyncEnumerable<string> ListSystemsAsync(CancellationToken cancellationToken) => inner.ListSystemsAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
