namespace StateVault.Storage;

/// <summary>
/// The raw snapshot layer: durable, atomic storage of envelope bytes per system and sequence.
/// </summary>
/// <remarks>
/// Implementers must:
/// <list type="bullet">
/// <item>make <see cref="AppendAsync"/> atomic and durable before it returns: after a crash either the
/// whole snapshot is readable or nothing of it is;</item>
/// <item>allocate sequence numbers per system starting at 1, strictly increasing, never reused, even after
/// deletes or quarantines, and never hand the same number to two concurrent writers (in this process or any other
/// that shares the store, as far as <see cref="Capabilities"/> claims);</item>
/// <item>store the bytes unchanged: integrity is checked by the engine, not the store;</item>
/// <item>throw <see cref="SnapshotStoreException"/> (with <see cref="StateVaultException.IsTransient"/> set when a retry may
/// succeed) for failures, and <see cref="SnapshotConcurrencyException"/> for a failed compare-and-set;</item>
/// <item>pass <c>SnapshotStoreConformanceTests</c>.</item>
/// </list>
/// System names passed in are already validated by the engine, but a store must still never
/// write outside its root for any input.
/// </remarks>
public interface ISnapshotStore : IAsyncDisposable
{
    /// <summary>A short name of the store kind for logs and metrics (<c>file</c>, <c>sqlite</c>, …).</summary>
    string Kind { get; }

    /// <summary>What this store supports beyond the required operations.</summary>
    SnapshotStoreCapabilities Capabilities { get; }

    /// <summary>
    /// Allocates the next sequence number of <paramref name="system"/> and stores the envelope that
    /// <paramref name="createEnvelope"/> builds for it, atomically and durably.
    /// </summary>
    /// <param name="system">A valid system name.</param>
    /// <param name="expectedLatestSequence">When set, the append succeeds only if the latest allocated sequence is this value
    /// (0 = the system has no snapshot yet); otherwise <see cref="SnapshotConcurrencyException"/>.</param>
    /// <param name="createEnvelope">Builds the envelope for the allocated sequence. May be called more than once if the store retries allocation.
    /// The envelope's memory is only valid until this method returns (the engine reuses pooled buffers): copy what you keep.</param>
    /// <param name="cancellationToken">Cancels the operation before the commit point.</param>
    /// <returns>The sequence number that was stored.</returns>
    Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken);

    /// <summary>
    /// Stores an existing envelope at an exact sequence number (migration, mirroring). Does nothing and returns
    /// <see langword="false"/> when that sequence already exists.
    /// </summary>
    Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken);

    /// <summary>Reads the stored bytes of one snapshot, or <see langword="null"/> when it does not exist.</summary>
    Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken);

    /// <summary>Lists the snapshots of one system in ascending sequence order (quarantined ones excluded).</summary>
    IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, CancellationToken cancellationToken);

    /// <summary>The highest sequence ever allocated for the system (0 when none), including deleted and quarantined ones.</summary>
    Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken);

    /// <summary>Deletes one snapshot. Returns <see langword="false"/> when it did not exist.</summary>
    Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a damaged snapshot out of the listing without destroying it (file store: <c>&lt;system&gt;/.quarantine/</c>).
    /// Returns <see langword="false"/> when it did not exist.
    /// </summary>
    Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken);

    /// <summary>Lists the systems that have at least one snapshot or allocated sequence, in ordinal order.</summary>
    IAsyncEnumerable<string> ListSystemsAsync(CancellationToken cancellationToken);
}
