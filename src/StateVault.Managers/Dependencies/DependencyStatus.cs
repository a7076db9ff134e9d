namespace StateVault.Managers.Dependencies;

/// <summary>The result of the last check.</summary>
public enum DependencyStatus
{
    /// <summary>Not checked yet.</summary>
    Unknown = 0,

    /// <summary>Available.</summary>
    Available,

    /// <summary>Not available.</summary>
    Unavailable,
}
