namespace StateVault.Managers.ApiKeys;

/// <summary>A server access key as persisted: a per-key random salt and SHA-256(salt || secret), both lowercase hex.</summary>
public sealed record AccessKeyRecord
{
    /// <summary>12 lowercase hex characters.</summary>
    public required string Id { get; init; }

    /// <summary>Its role.</summary>
    public AccessRole Role { get; init; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Whether it was revoked.</summary>
    public bool Revoked { get; init; }

    /// <summary>When it was revoked.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>What it is for.</summary>
    public string? Description { get; init; }

    /// <summary>16 random bytes, hex.</summary>
    public required string Salt { get; init; }

    /// <summary>SHA-256(salt || UTF-8 of the secret part), hex.</summary>
    public required string Hash { get; init; }
}
