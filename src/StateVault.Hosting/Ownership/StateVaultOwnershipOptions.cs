namespace StateVault.Hosting.Ownership;

/// <summary>
/// One owner per manager system across instances on one store (configuration section <c>StateVault:Ownership</c>). Only the owner
/// runs a manager's writes and saves; the others serve the owner's latest durable state (see
/// <see cref="StateVaultHostingOptions.RefreshInterval"/>) and refuse or forward writes.
/// </summary>
public sealed class StateVaultOwnershipOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "StateVault:Ownership";

    /// <summary>Whether instances take leases on the manager systems. Off by default (one instance per store).</summary>
    public bool Enabled { get; set; }

    /// <summary>How long a lease lasts without renewal. Default 10 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the owner renews (and non-owners try to take over). Default 3 s; shorter than <see cref="LeaseDuration"/>.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long past its expiry a lease is left before another instance takes it over (clock skew margin). Default 0.</summary>
    public TimeSpan TakeoverDelay { get; set; } = TimeSpan.Zero;

    /// <summary>This instance's id; default a new one per process start.</summary>
    public string? InstanceId { get; set; }

    /// <summary>The URL other instances reach this one at (advertised in its leases); e.g. <c>http://10.0.0.5:5080</c>.</summary>
    public string? AdvertisedUrl { get; set; }
}
