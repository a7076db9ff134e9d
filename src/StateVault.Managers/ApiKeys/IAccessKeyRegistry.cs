namespace StateVault.Managers.ApiKeys;

/// <summary>The server's access keys: <c>svk_&lt;id&gt;_&lt;secret&gt;</c>, stored only as salted SHA-256 hashes (system <c>api_keys</c>).</summary>
public interface IAccessKeyRegistry
{
    /// <summary>Creates a key; it is persisted (acknowledged by the store) before this returns.</summary>
    Task<CreatedAccessKey> CreateAccessKeyAsync(AccessRole role, string? description, CancellationToken cancellationToken = default);

    /// <summary>The key's description when <paramref name="presentedKey"/> is a known, unrevoked key (constant-time comparison of salted hashes); otherwise <see langword="null"/>.</summary>
    AccessKeyInfo? ValidateAccessKey(string presentedKey);

    /// <summary>Every key (revoked ones included), oldest first.</summary>
    IReadOnlyList<AccessKeyInfo> ListAccessKeys();

    /// <summary>Revokes a key (persisted before this returns).</summary>
    /// <returns><see langword="false"/> when there is no such key or it was already revoked.</returns>
    Task<bool> RevokeAccessKeyAsync(string id, CancellationToken cancellationToken = default);
}
