namespace StateVault.Managers.ApiKeys;

/// <summary>A provider key as listed: its record and whether the key itself is in memory.</summary>
/// <param name="Record">The persisted record.</param>
/// <param name="Present">Whether the key is in memory now.</param>
public sealed record ProviderKeyInfo(ProviderKeyRecord Record, bool Present);
