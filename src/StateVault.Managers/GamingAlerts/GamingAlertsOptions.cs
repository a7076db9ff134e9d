namespace StateVault.Managers.GamingAlerts;

/// <summary>Options of the gaming alerts manager.</summary>
public sealed class GamingAlertsOptions
{
    /// <summary>An active alert not updated for this long is stale.</summary>
    /// <value>15 minutes.</value>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(15);
}
