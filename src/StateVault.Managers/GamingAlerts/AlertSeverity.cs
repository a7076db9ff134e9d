namespace StateVault.Managers.GamingAlerts;

/// <summary>Alert severity (the original wrote <c>AlertSeverity.HIGH</c>; here <c>high</c>).</summary>
public enum AlertSeverity
{
    /// <summary>Informational.</summary>
    Low = 0,

    /// <summary>Past the first level.</summary>
    Medium = 1,

    /// <summary>Past the second level.</summary>
    High = 2,

    /// <summary>Past the third level.</summary>
    Critical = 3,
}
