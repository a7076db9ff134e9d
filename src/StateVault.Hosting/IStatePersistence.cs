namespace StateVault.Hosting;

/// <summary>
/// The host's persistence of managed state: change tracking, debounced autosave, acknowledged saves and the pending copy
/// that is retried while the store is out.
/// </summary>
public interface IStatePersistence
{
    /// <summary>
    /// Marks <paramref name="system"/> of <paramref name="component"/> dirty: it is saved after the quiet period
    /// (<see cref="StateVaultHostingOptions.AutosaveDebounce"/>), and at least every
    /// <see cref="StateVaultHostingOptions.AutosaveMaxInterval"/> while changes continue.
    /// </summary>
    /// <remarks>Call it after the new state is in place: the saver reads the change count before it captures the state.</remarks>
    void MarkChanged(IManagedComponent component, string system);

    /// <summary>
    /// Returns when every change of <paramref name="system"/> marked (<see cref="MarkChanged"/>) before the call is in a durable
    /// snapshot. Calls that arrive while a save of the system is in flight are covered together by the next save (group
    /// commit). Under <see cref="StateVaultDurability.Deferred"/> it returns at once.
    /// </summary>
    /// <exception cref="StateVaultException">
    /// The save that covered the change failed (the store's error), or the store did not answer within
    /// <see cref="StateVaultHostingOptions.DurableAckTimeout"/> (a transient <see cref="SnapshotStoreException"/>). The change is then
    /// not acknowledged; it stays in memory and pending, and the background retry may still store it.
    /// </exception>
    Task WaitDurableAsync(IManagedComponent component, string system, CancellationToken cancellationToken = default);

    /// <summary>Saves every dirty system of <paramref name="component"/> now; returns when the store acknowledged each.</summary>
    /// <exception cref="StateVaultException">A save failed; the state stays pending and is retried in the background.</exception>
    Task SaveNowAsync(IManagedComponent component, CancellationToken cancellationToken = default);

    /// <summary>
    /// Restores every system of <paramref name="component"/> from its newest snapshot that verifies and can be adopted (older ones
    /// when newer ones are damaged; defaults when none). The host does this at start for every manager; tools that use a manager
    /// without a host (a CLI) call it themselves.
    /// </summary>
    /// <returns>What was restored, per system.</returns>
    Task<IReadOnlyList<RestoreOutcome>> RestoreAsync(IManagedComponent component, CancellationToken cancellationToken = default);

    /// <summary>The persistence status of one system (never <see langword="null"/>; a system never seen is clean).</summary>
    SystemPersistenceStatus GetStatus(string system);

    /// <summary>The persistence status of every system seen so far, ordered by name.</summary>
    IReadOnlyList<SystemPersistenceStatus> GetStatuses();

    /// <summary>
    /// How many times the live state of <paramref name="system"/> was replaced by a reload after a lost compare-and-set (another
    /// writer saved first). Note it before a change and pass it to <see cref="WaitDurableAsync(IManagedComponent, string, long, CancellationToken)"/>.
    /// </summary>
    long GetGeneration(string system);

    /// <summary>
    /// As <see cref="WaitDurableAsync(IManagedComponent, string, CancellationToken)"/>, for a change made when the system's generation
    /// was <paramref name="generation"/> (<see cref="GetGeneration"/>): fails with <see cref="SnapshotConcurrencyException"/> when
    /// the state was reloaded since then, because the change may have been replaced by another writer's newer state.
    /// </summary>
    Task WaitDurableAsync(IManagedComponent component, string system, long generation, CancellationToken cancellationToken);

    /// <summary>
    /// Saves <paramref name="system"/> now, for a change made at <paramref name="generation"/> (see <see cref="GetGeneration"/>);
    /// fails with <see cref="SnapshotConcurrencyException"/> when the state was reloaded since then, or when this save loses the
    /// compare-and-set (the newest state is then reloaded).
    /// </summary>
    Task SaveNowAsync(IManagedComponent component, string system, long generation, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the live state of <paramref name="system"/> with its newest valid snapshot now (after another writer, such as a
    /// restore, wrote it) and takes that snapshot as the base of the next compare-and-set. Runs between saves of the system; changes
    /// not yet saved are dropped and their waiters fail with <see cref="SnapshotConcurrencyException"/>.
    /// </summary>
    /// <returns>What was adopted.</returns>
    Task<RestoreOutcome> ReloadAsync(IManagedComponent component, string system, CancellationToken cancellationToken = default);
}
