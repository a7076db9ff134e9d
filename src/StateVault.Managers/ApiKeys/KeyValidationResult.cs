namespace StateVault.Managers.ApiKeys;

/// <summary>The result of validating a provider key.</summary>
public enum KeyValidationResult
{
    /// <summary>Not validated yet.</summary>
    Unknown = 0,

    /// <summary>Matches a known format of its provider.</summary>
    Valid,

    /// <summary>Matches no known format of its provider.</summary>
    InvalidFormat,

    /// <summary>The key is not in memory (added at run time before a restart): it must be entered again.</summary>
    Missing,
}
