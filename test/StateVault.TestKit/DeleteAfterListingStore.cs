using System.Runtime.CompilerServices;
using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>
/// Wraps a store and, once a listing of a system has been handed out, deletes chosen snapshots of it through the inner
/// store: the caller then reads snapshots that vanished between listing and reading, as when another process's retention
/// runs at that moment.
/// </summary>
public sealed class DeleteAfterListingStore(ISnapshotStore inner) : ISnapshotStore
{
    private readonly Lock _gate = new();
    private readonly HashSet<(string System, long Sequence)> _pending = [];

    /// <summary>Deletes <paramref name="sequence"/> of <paramref name="system"/> right after the next listing of that system.</summary>
    public void DeleteAfterNextListing(string system, long sequence)
    {
        lock (_gate)
        {
            _pending.Add((system, sequence));
        }
    }

    /// <inheritdoc />
    public string Kind => inner.Kind;

    /// <inheritdoc />
    public SnapshotStoreCapabilities Capabilities => inner.Capabilities;

    /// <inheritdoc />
    public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken) =>
        inner.AppendAsync(system, expectedLatestSequence, createEnvelope, cancellationToken);

    /// <inheritdoc />
    public Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken) => inner.ImportAsync(system, sequence, envelope, cancellationToken);

    /// <inheritdoc />
    public Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken) => inner.ReadAsync(system, sequence, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var listed = new List<StoredSnapshotRef>();
        await foreach (var item in inner.ListAsync(system, cancellationToken).ConfigureAwait(false))
        {
            listed.Add(item);
        }

        List<long> doomed;
        lock (_gate)
        {
            doomed = [.. _pending.Where(p => p.System == system).Select(p => p.Sequence)];
            _pending.RemoveWhere(p => p.System == system);
        }

        foreach (var sequence in doomed)
        {
            await inner.DeleteAsync(system, sequence, cancellationToken).ConfigureAwait(false);
        }

        foreach (var item in listed)
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
