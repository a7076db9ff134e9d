namespace StateVault.Managers.GamingAlerts;

/// <summary>What an alert is about.</summary>
public enum AlertType
{
    /// <summary>Frame rate and similar.</summary>
    Performance = 0,

    /// <summary>Overall system health.</summary>
    SystemHealth,

    /// <summary>Response time and latency.</summary>
    Latency,

    /// <summary>Memory and other resources.</summary>
    Resource,

    /// <summary>Anything else.</summary>
    Custom,
}
