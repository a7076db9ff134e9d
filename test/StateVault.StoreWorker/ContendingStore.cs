using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.StoreWorker;

/// <summary>
/// Retries an append that failed transiently (another process held the lock past the store's short wait) until it succeeds,
/// and prints <c>blocked</c> the first time: the proof, for the test, that this process had to wait for another.
/// </summary>
internal sealed class ContendingStore(ISnapshotStore inner) : DelegatingSnapshotStore<ISnapshotStore>(inner, ownsInner: true)
{
    private bool _reported;

    public override async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await Inner.AppendAsync(system, expectedLatestSequence, createEnvelope, cancellationToken).ConfigureAwait(false);
            }
            catch (SnapshotStoreException ex) when (ex.IsTransient)
            {
                if (!_reported)
                {
                    _reported = true;
                    Console.Out.WriteLine("blocked");
                    Console.Out.Flush();
                }
            }
        }
    }
}
