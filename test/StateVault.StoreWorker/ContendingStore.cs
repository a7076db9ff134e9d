using System.Runtime.CompilerServices;
using StateVault.Storage;

namespace StateVault.StoreWorker;

/// <summary>
/// Retries an append that failed transiently (another process held the lock past the store's short wait) until it succeeds,
/// and prints <c>blocked</c> the first time: the proof, for the test, that this process had to wait for another.
/// </summary>
internal sealed class ContendingStore(ISnapshotStore inner) : ISnapshotStore
{
    private bool _reported;

    public string Kind => inner.Kind;

    public SnapshotStoreCapabilities Capabilities => inner.Capabilities;

    public async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await inner.AppendAsync(system, expectedLatestSequence, createEnvelope, cancellationToken).ConfigureAwait(false);
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

    public Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken) => inner.ImportAsync(system, sequence, envelope, cancellationToken);

    public Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken) => inner.ReadAsync(system, sequence, cancellationToken);

    public async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in inner.ListAsync(system, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    public Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken) => inner.GetLatestSequenceAsync(system, cancellationToken);

    public Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken) => inner.DeleteAsync(system, sequence, cancellationToken);

    public Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken) => inner.QuarantineAsync(system, sequence, reason, cancellationToken);

    public IAsyncEnumerable<string> ListSystemsAsync(CancellationToken cancellationToken) => inner.ListSystemsAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
