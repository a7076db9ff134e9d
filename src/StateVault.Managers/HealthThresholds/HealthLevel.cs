namespace StateVault.Managers.HealthThresholds;

/// <summary>The result of evaluating a metric value.</summary>
public enum HealthLevel
{
    /// <summary>Within limits.</summary>
    Good = 0,

    /// <summary>Past the warning threshold.</summary>
    Warning = 1,

    /// <summary>Past the critical threshold.</summary>
    Critical = 2,

    /// <summary>No threshold for the metric, or the value is not a number.</summary>
    Unknown = 3,
}
