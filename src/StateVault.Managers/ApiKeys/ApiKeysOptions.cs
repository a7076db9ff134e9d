namespace StateVault.Managers.ApiKeys;

/// <summary>Options of the API key manager.</summary>
public sealed class ApiKeysOptions
{
    /// <summary>
    /// The secret of the keyed fingerprints (HMAC-SHA-256) of provider keys, e.g. from <c>StateVault__Managers__ApiKeys__FingerprintSecret</c>.
    /// It is never stored in the vault. When not set, a random secret is generated once into <see cref="FingerprintSecretFile"/>.
    /// </summary>
    public string? FingerprintSecret { get; set; }

    /// <summary>
    /// Where the generated fingerprint secret lives (created with owner-only permissions).
    /// </summary>
    /// <value><see langword="null"/>: <c>.statevault-fingerprint.key</c> in the parent folder of a file store's root (beside the
    /// store, never inside it), or <c>./data/.statevault-fingerprint.key</c> for other stores.</value>
    public string? FingerprintSecretFile { get; set; }

    /// <summary>Provider keys from configuration: provider (<c>openai</c>, <c>anthropic</c>) → key. Held in memory only.</summary>
    public Dictionary<string, string> ProviderKeys { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Environment variables read at start: provider → variable name.</summary>
    /// <value><c>openai</c> → <c>OPENAI_API_KEY</c>, <c>anthropic</c> → <c>ANTHROPIC_API_KEY</c>.</value>
    public Dictionary<string, string> EnvironmentVariables { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["openai"] = "OPENAI_API_KEY",
        ["anthropic"] = "ANTHROPIC_API_KEY",
    };

    /// <summary>A provider key older than this is due for rotation.</summary>
    /// <value>90 days.</value>
    public TimeSpan RotationPeriod { get; set; } = TimeSpan.FromDays(90);
}
