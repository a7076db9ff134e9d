namespace StateVault.Managers.ApiKeys;

/// <summary>Where a provider key came from.</summary>
public enum KeySource
{
    /// <summary>An environment variable.</summary>
    Environment = 0,

    /// <summary>Configuration.</summary>
    Configuration,

    /// <summary>Added at run time.</summary>
    Runtime,
}
