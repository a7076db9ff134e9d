namespace StateVault.Managers.GamingAlerts;

/// <summary>The status of an alert.</summary>
public enum AlertStatus
{
    /// <summary>Open.</summary>
    Active = 0,

    /// <summary>Seen by someone; still open.</summary>
    Acknowledged,

    /// <summary>Closed and moved to the history.</summary>
    Resolved,
}
