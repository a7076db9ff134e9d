namespace StateVault.Hosting;

/// <summary>Names and tags of the health checks StateVault registers.</summary>
public static class StateVaultHealthChecks
{
    /// <summary>The tag on every StateVault health check.</summary>
    public const string Tag = "statevault";

    /// <summary>The store's check.</summary>
    public const string Store = "statevault:store";

    /// <summary>Prefix of each manager's check, followed by the manager name.</summary>
    public const string ManagerPrefix = "statevault:manager:";
}
