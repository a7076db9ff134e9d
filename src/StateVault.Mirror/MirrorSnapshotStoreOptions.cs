using StateVault.Retention;

namespace StateVault.Mirror;

/// <summary>Options of a <see cref="MirrorSnapshotStore"/>.</summary>
public sealed class MirrorSnapshotStoreOptions
{
    /// <summary>
    /// The URI of the primary store (reads, listings and the vault's own retention go there), e.g. <c>file:./data/persistent</c>.
    /// Used when the mirror is opened by URI or from DI; ignored by the constructor that takes stores.
    /// </summary>
    public string Primary { get; set; } = string.Empty;

    /// <summary>
    /// The URI of the secondary store that receives a verified copy of every snapshot, e.g.
    /// <c>s3://backups/statevault?region=eu-west-1</c>. Used when the mirror is opened by URI or from DI.
    /// </summary>
    public string Secondary { get; set; } = string.Empty;

    /// <summary>
    /// The retention policy of the secondary, applied by the mirror after each copy and each catch-up (e.g. keep-daily 30
    /// off-site while the vault keeps the newest five locally). Snapshots this policy would remove are not copied.
    /// Deleting or quarantining a snapshot on the primary never deletes its copy on the secondary.
    /// </summary>
    /// <value><see cref="RetentionPolicy.KeepAll"/>: the secondary keeps every snapshot it receives.</value>
    public RetentionPolicy SecondaryRetention { get; set; } = RetentionPolicy.KeepAll;

    /// <summary>How often the mirror compares the two sides and copies what the secondary lacks (catch-up).</summary>
    /// <value>5 minutes.</value>
    public TimeSpan CatchUpInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often a scheduled catch-up reads back and verifies every copy on the secondary (to find and repair copies damaged
    /// there since they were made). Other scheduled catch-ups trust copies they verified before; the start-up catch-up and
    /// <see cref="MirrorSnapshotStore.ReplicateNowAsync"/> always verify everything.
    /// </summary>
    /// <value>1 day.</value>
    public TimeSpan SecondaryVerifyInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a chunk the secondary's snapshots no longer name is kept there before the mirror deletes it (chunked
    /// snapshots only). A chunk is deleted only when no snapshot on the secondary names it and it was stored there longer
    /// ago than this, so a chunk copied for a snapshot whose envelope has not landed yet is never taken.
    /// </summary>
    /// <value>15 minutes, as <see cref="Chunking.ChunkingOptions.GracePeriod"/>.</value>
    public TimeSpan SecondaryChunkGracePeriod { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Whether a catch-up runs as soon as the mirror is created, so copies missed before a restart are made.</summary>
    /// <value><see langword="true"/>.</value>
    public bool CatchUpOnStart { get; set; } = true;

    /// <summary>How long disposing the mirror waits for queued copies to finish before abandoning them to the next catch-up.</summary>
    /// <value>10 seconds.</value>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
