namespace StateVault.Hosting.Ownership;

/// <summary>One owner's lease of one system.</summary>
/// <param name="System">The system.</param>
/// <param name="OwnerId">The owning instance's id.</param>
/// <param name="OwnerUrl">The URL the owning instance advertises (where non-owners forward writes), if any.</param>
/// <param name="Token">The fencing token: grows with every change of owner.</param>
/// <param name="SinceUtc">When this owner took the lease.</param>
public sealed record SystemLease(string System, string OwnerId, string? OwnerUrl, long Token, DateTimeOffset SinceUtc);
