namespace StateVault.Managers.ApiKeys;

/// <summary>What is known about a server access key (never the key).</summary>
/// <param name="Id">12 lowercase hex characters.</param>
/// <param name="Role">Its role.</param>
/// <param name="CreatedUtc">When it was created.</param>
/// <param name="Revoked">Whether it was revoked.</param>
/// <param name="Description">What it is for.</param>
public sealed record AccessKeyInfo(string Id, AccessRole Role, DateTimeOffset CreatedUtc, bool Revoked, string? Description);
