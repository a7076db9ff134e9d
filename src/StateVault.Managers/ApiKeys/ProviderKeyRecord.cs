namespace StateVault.Managers.ApiKeys;

/// <summary>What is persisted about a provider key: never the key, only a keyed fingerprint and its last four characters.</summary>
public sealed record ProviderKeyRecord
{
    /// <summary>Id derived from the fingerprint (<c>key_</c> + 12 hex), stable across restarts.</summary>
    public required string Id { get; init; }

    /// <summary><c>openai</c> or <c>anthropic</c>.</summary>
    public required string Provider { get; init; }

    /// <summary>HMAC-SHA-256 of the key under the deployment's fingerprint secret, lowercase hex.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The key's last four characters.</summary>
    public required string LastFour { get; init; }

    /// <summary>Where it came from.</summary>
    public KeySource Source { get; init; }

    /// <summary>The format it matched, e.g. <c>project</c>.</summary>
    public string? Format { get; init; }

    /// <summary>When it was first seen.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was last validated.</summary>
    public DateTimeOffset? LastValidated { get; init; }

    /// <summary>The last validation result.</summary>
    public KeyValidationResult ValidationResult { get; init; }
}
