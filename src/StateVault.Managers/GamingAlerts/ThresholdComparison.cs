namespace StateVault.Managers.GamingAlerts;

/// <summary>When a gaming threshold fires.</summary>
public enum ThresholdComparison
{
    /// <summary>When the value falls below a level (frame rate, health).</summary>
    Below = 0,

    /// <summary>When the value rises above a level (response time, memory).</summary>
    Above = 1,
}
