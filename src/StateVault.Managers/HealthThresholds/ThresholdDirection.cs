namespace StateVault.Managers.HealthThresholds;

/// <summary>Which way a metric gets worse.</summary>
public enum ThresholdDirection
{
    /// <summary>Higher values are worse (response time, CPU): warning at or above <c>warning</c>, critical at or above <c>critical</c>.</summary>
    HigherIsWorse = 0,

    /// <summary>Lower values are worse (completion and success rates): warning at or below <c>warning</c>, critical at or below <c>critical</c>.</summary>
    LowerIsWorse = 1,
}
