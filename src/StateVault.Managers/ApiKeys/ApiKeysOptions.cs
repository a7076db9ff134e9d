namespace StateVault.Managers.ApiKeys;

/// <summary>Options of the API key manager.</summary>
public sealed class ApiKeysOptions
{
    /// <summary>
    /// The secret of the keyed fingerprints (HMAC-SHA-256) of provider keys, at least 16 characters: configuration key
    /// <c>StateVault:Managers:ApiKeys:FingerprintSecret</c>, environment variable <c>StateVault__Managers__ApiKeys__FingerprintSecret</c>.
    /// It is never stored in the vault and never logged. Every instance sharing a store must use the same secret.
    /// </summary>
    /// <value>
    /// <see langword="null"/>: read from <see cref="FingerprintSecretFile"/>. On a store other than <c>file:</c> (SQLite, PostgreSQL,
    /// S3, a server) one of the two is required, and its absence fails the start naming this option.
    /// </value>
    public string? FingerprintSecret { get; set; }

    /// <summary>
    /// An absolute path to a file holding the fingerprint secret (hex); when the file does not exist, a random secret is generated
    /// into it once, with owner-only permissions. Configuration key <c>StateVault:Managers:ApiKeys:FingerprintSecretFile</c>.
    /// </summary>
    /// <value><see langword="null"/>: on a <c>file:</c> store, <c>.statevault-fingerprint.key</c> in the parent folder of the store's root
    /// (beside the store, never inside it or in a snapshot); on other stores there is no default (see <see cref="FingerprintSecret"/>).</value>
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
