namespace StateVault.Managers.GamingAlerts;

/// <summary>Open alerts grouped.</summary>
/// <param name="Open">Open alerts.</param>
/// <param name="BySeverity">Per severity.</param>
/// <param name="ByType">Per type.</param>
/// <param name="BySystem">Per game system.</param>
/// <param name="Stale">Open alerts not updated within the stale period.</param>
public sealed record AlertSummary(int Open, IReadOnlyDictionary<string, int> BySeverity, IReadOnlyDictionary<string, int> ByType, IReadOnlyDictionary<string, int> BySystem, int Stale);
