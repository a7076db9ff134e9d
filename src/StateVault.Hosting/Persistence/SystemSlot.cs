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

    /// <summary>
    /// Fencing: the newest sequence this process saw for the system (restored, allocated past damaged ones, or saved). Every save
    /// is a compare-and-set on it; <see langword="null"/> before the first restore (then the save expects an empty system).
    /// </summary>
    public long? SeenSequence { get; set; }

    /// <summary>Incremented each time the live state was replaced by a reload after a lost compare-and-set.</summary>
    public long Generation { get; set; }

    /// <summary>Saves refused because another writer saved first.</summary>
    public long Conflicts { get; set; }

    /// <summary>When the last conflict happened.</summary>
    public DateTimeOffset? LastConflictUtc { get; set; }

    /// <summary>A conflict happened and no save of this instance has landed since.</summary>
    public bool ConflictOutstanding { get; set; }

    /// <summary>Why the state was last reloaded over unsaved changes (reported to callers whose change was made before the reload).</summary>
    public StateVaultException? LastConflict { get; set; }

    /// <summary>This instance's lease of the system, when ownership is on and it owns it.</summary>
    public Ownership.SystemLease? Lease { get; set; }

    /// <summary>Until when the lease is surely valid (local clock, counted from before the last renewal was sent).</summary>
    public DateTimeOffset LeaseValidUntil { get; set; }

    public DateTimeOffset? LastSavedUtc { get; set; }

    public RestoreOutcome? Restore { get; set; }

    public Task? Background { get; set; }

    public ITimer? Timer { get; set; }

    /// <summary>The last save was refused for its content (a secret); retried only after the next change.</summary>
    public bool Refused { get; set; }

    /// <summary>After a non-transient failure: no background attempt before this time.</summary>
    public DateTimeOffset? NotBeforeUtc { get; set; }

    /// <summary>Callers waiting for a version to be durable (group commit); completed or failed by the save that covers them.</summary>
    public List<DurableWaiter> Waiters { get; } = [];

    /// <summary>The group-commit loop, while waiters exist.</summary>
    public Task? Committer { get; set; }

    public bool IsDirty => Version != SavedVersion;

    /// <summary>Completes every waiter whose version is now saved.</summary>
    public void CompleteSavedWaitersLocked()
    {
        for (var i = Waiters.Count - 1; i >= 0; i--)
        {
            if (Waiters[i].Version <= SavedVersion)
            {
                Waiters[i].Completion.TrySetResult();
                Waiters.RemoveAt(i);
            }
        }
    }

    /// <summary>Fails every waiter whose version is at most <paramref name="attempted"/> (the save that would have covered it failed).</summary>
    public void FailWaitersLocked(long attempted, Exception error)
    {
        for (var i = Waiters.Count - 1; i >= 0; i--)
        {
            if (Waiters[i].Version <= attempted)
            {
                Waiters[i].Completion.TrySetException(error);
                Waiters.RemoveAt(i);
            }
        }
    }

    public SystemPersistenceStatus ToStatus() => new(
        System,
        IsDirty,
        Pending is not null,
        Pending?.SinceUtc,
        Failures,
        LastError,
        LastSequence,
        LastSavedUtc,
        Restore)
    {
        Conflicts = Conflicts,
        LastConflictUtc = LastConflictUtc,
        ConflictOutstanding = ConflictOutstanding,
    };
}

/// <summary>A captured copy of the newest state whose save failed; kept until a save of it (or of a newer capture) is acknowledged.</summary>
internal sealed record PendingCopy(long Version, byte[] Json, DateTimeOffset SinceUtc);

/// <summary>One caller waiting until <see cref="Version"/> of a system is durable.</summary>
internal sealed class DurableWaiter(long version)
{
    public long Version { get; } = version;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
