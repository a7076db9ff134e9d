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
}
