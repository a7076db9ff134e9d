namespace StateVault.Hosting.Persistence;

/// <summary>The persistence bookkeeping of one system. Fields are guarded by <see cref="Sync"/>; saves are serialized by <see cref="Gate"/>.</summary>
internal sealed class SystemSlot(IManagedComponent component, string system)
{
    public IManagedComponent Component { get; } = component;

    public string System { get; } = system;

    public object Sync { get; } = new();

    // One save at a time per system, or an older capture could land after a newer one and become the newest snapshot.
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public long Version { get; set; }

    public long SavedVersion { get; set; }

    public DateTimeOffset? FirstDirtyUtc { get; set; }

    public DateTimeOffset? LastChangeUtc { get; set; }

    public PendingCopy? Pending { get; set; }

    public int Failures { get; set; }

    public string? LastError { get; set; }

    public long? LastSequence { get; set; }

    public DateTimeOffset? LastSavedUtc { get; set; }

    public RestoreOutcome? Restore { get; set; }

    public Task? Background { get; set; }

    public ITimer? Timer { get; set; }

    /// <summary>The last save was refused for its content (a secret); retried only after the next change.</summary>
    public bool Refused { get; set; }

    /// <summary>After a non-transient failure: no background attempt before this time.</summary>
    public DateTimeOffset? NotBeforeUtc { get; set; }

    public bool IsDirty => Version != SavedVersion;

    public SystemPersistenceStatus ToStatus() => new(
        System,
        IsDirty,
        Pending is not null,
        Pending?.SinceUtc,
        Failures,
        LastError,
        LastSequence,
        LastSavedUtc,
        Restore);
}

/// <summary>A captured copy of the newest state whose save failed; kept until a save of it (or of a newer capture) is acknowledged.</summary>
internal sealed record PendingCopy(long Version, byte[] Json, DateTimeOffset SinceUtc);
