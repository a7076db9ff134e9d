using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>
/// Forwards every <see cref="ISnapshotStore"/> member to an inner store: the base of the test wrappers that inject a fault
/// or a probe into one or two members and leave the others alone. Every member is virtual; a wrapper overrides only the
/// ones it changes.
/// </summary>
/// <remarks>
/// Implements <see cref="ISnapshotStore"/> and nothing more, whatever the inner store implements. The engine picks its
/// code paths by asking a store whether it is an <see cref="ISnapshotStoreWithChunks"/>, an
/// <see cref="ISnapshotStoreWithPruningAppend"/> or an <see cref="ISnapshotStoreWithBatchRead"/>, so a wrapper claims an
/// optional interface only by saying so: by deriving from <see cref="DelegatingChunkSnapshotStore{TInner}"/>, or by
/// implementing the interface itself.
/// </remarks>
/// <typeparam name="TInner">What the wrapper knows its inner store as (the wrapper reaches it through <see cref="Inner"/>).</typeparam>
public abstract class DelegatingSnapshotStore<TInner> : ISnapshotStore
    where TInner : ISnapshotStore
{
    private readonly bool _ownsInner;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The store every member forwards to.</param>
    /// <param name="ownsInner">Whether disposing the wrapper disposes <paramref name="inner"/>; when not, the inner store is left
    /// to whoever created it.</param>
    protected DelegatingSnapshotStore(TInner inner, bool ownsInner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
        _ownsInner = ownsInner;
    }

    /// <summary>The wrapped store.</summary>
    public TInner Inner { get; }

    /// <inheritdoc />
    public virtual string Kind => Inner.Kind;

    /// <inheritdoc />
    public virtual SnapshotStoreCapabilities Capabilities => Inner.Capabilities;

    /// <inheritdoc />
    public virtual Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken) =>
        Inner.AppendAsync(system, expectedLatestSequence, createEnvelope, cancellationToken);

    /// <inheritdoc />
    public virtual Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken) =>
        Inner.ImportAsync(system, sequence, envelope, cancellationToken);

    /// <inheritdoc />
    public virtual Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken) =>
        Inner.ReadAsync(system, sequence, cancellationToken);

    /// <inheritdoc />
    public virtual IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, CancellationToken cancellationToken) =>
        Inner.ListAsync(system, cancellationToken);

    /// <inheritdoc />
    public virtual Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken) =>
        Inner.GetLatestSequenceAsync(system, cancellationToken);

    /// <inheritdoc />
    public virtual Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken) =>
        Inner.DeleteAsync(system, sequence, cancellationToken);

    /// <inheritdoc />
    public virtual Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken) =>
        Inner.QuarantineAsync(system, sequence, reason, cancellationToken);

    /// <inheritdoc />
    public virtual IAsyncEnumerable<string> ListSystemsAsync(CancellationToken cancellationToken) =>
        Inner.ListSystemsAsync(cancellationToken);

    /// <summary>Disposes the inner store when the wrapper owns it (see the constructor); otherwise does nothing.</summary>
    public ValueTask DisposeAsync() => _ownsInner ? Inner.DisposeAsync() : ValueTask.CompletedTask;
}
