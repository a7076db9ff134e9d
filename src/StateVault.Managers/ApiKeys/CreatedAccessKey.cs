namespace StateVault.Managers.ApiKeys;

/// <summary>A new server access key. <see cref="Key"/> is shown once and never stored.</summary>
/// <param name="Info">The key's description.</param>
/// <param name="Key">The key, <c>svk_&lt;id&gt;_&lt;secret&gt;</c>.</param>
public sealed record CreatedAccessKey(AccessKeyInfo Info, string Key);
