namespace StateVault.Managers.AiMlCore;

/// <summary>The lifecycle of a registered model.</summary>
public enum ModelStatus
{
    /// <summary>Registered, not yet in use.</summary>
    Registered = 0,

    /// <summary>In use.</summary>
    Active,

    /// <summary>No longer to be used.</summary>
    Deprecated,

    /// <summary>Being trained (the original model manager's <c>training</c>).</summary>
    Training,

    /// <summary>Deployed and serving (the original model manager's <c>deployed</c>); counts as in use.</summary>
    Deployed,
}
