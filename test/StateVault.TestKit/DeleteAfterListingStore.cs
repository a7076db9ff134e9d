using System.Runtime.CompilerServices;
using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>
/// Wraps a store and, once a listing of a system has been handed out, deletes chosen snapshots of it through the inner
/// store: the caller then reads snapshots that vanished between listing and reading, as when another process's retention
/// runs at that moment. Disposing it leaves the inner store open.
/// </summary>
public sealed class DeleteAfterListingStore(ISnapshotStore inner) : DelegatingSnapshotStore<ISnapshotStore>(inner, ownsInner: false)
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
    public override async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var listed = new List<StoredSnapshotRef>();
        await foreach (var item in Inner.ListAsync(system, cancellationToken).ConfigureAwait(false))
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
            await Inner.DeleteAsync(system, sequence, cancellationToken).ConfigureAwait(false);
        }

        foreach (var item in listed)
        {
            yield return item;
        }
    }
}
