namespace StateVault.Hosting.Ownership;

/// <summary>
/// Leases on systems in one store, shared by every process that uses the store: at most one owner per system at a time, and a
/// fencing token that grows with each change of owner.
/// </summary>
public interface ISystemLeaseProvider
{
    /// <summary>How the leases are held (for logs and health), e.g. <c>os-file-lock</c> or <c>postgresql-lease-row</c>.</summary>
    string Kind { get; }

    /// <summary>
    /// <see langword="true"/> when a lease is held until it is released or its holder's process ends (an OS lock), not for a
    /// duration: no other instance can take it while this one runs, so a renewal that comes late (a starved thread pool, a
    /// paused process) does not stop the holder's writes. <see langword="false"/>, the default: a lease not renewed within its
    /// duration may be taken over, so its holder stops writing the system when the duration ends.
    /// </summary>
    bool HeldUntilReleased => false;

    /// <summary>Takes the lease of <paramref name="system"/> for <paramref name="duration"/> when it is free, expired past the take-over delay, or already this owner's.</summary>
    /// <returns>The lease, or <see langword="null"/> when another owner holds it.</returns>
    Task<SystemLease?> TryAcquireAsync(string system, string ownerId, string? ownerUrl, TimeSpan duration, TimeSpan takeoverDelay, CancellationToken cancellationToken);

    /// <summary>Extends the lease by <paramref name="duration"/>; <see langword="false"/> when it was taken over (it is then lost).</summary>
    Task<bool> RenewAsync(SystemLease lease, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives the lease up (at shutdown), so another instance can take over at once.</summary>
    Task ReleaseAsync(SystemLease lease, CancellationToken cancellationToken);

    /// <summary>The current holder of <paramref name="system"/>'s lease, when one holds it.</summary>
    Task<SystemLease?> GetHolderAsync(string system, CancellationToken cancellationToken);
}
