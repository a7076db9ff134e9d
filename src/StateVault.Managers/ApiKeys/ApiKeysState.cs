using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace StateVault.Managers.ApiKeys;

/// <summary>The saved state of <c>api_keys</c>. It holds no key: raw provider keys live in memory only, access keys only as salted hashes.</summary>
[SnapshotSchema(1, Name = "api_keys")]
public sealed record ApiKeysState
{
    /// <summary>Provider keys by id.</summary>
    public ImmutableSortedDictionary<string, ProviderKeyRecord> ProviderKeys { get; init; } = ImmutableSortedDictionary.Create<string, ProviderKeyRecord>(StringComparer.Ordinal);

    /// <summary>Key operations, newest last (bounded).</summary>
    public ImmutableList<KeyOperation> KeyOperations { get; init; } = [];

    /// <summary>Validations, newest last (bounded).</summary>
    public ImmutableList<ValidationAttempt> ValidationAttempts { get; init; } = [];

    /// <summary>Security checks, newest last (bounded).</summary>
    public ImmutableList<SecurityCheck> SecurityChecks { get; init; } = [];

    /// <summary>Providers a key was configured for (imported: the original's <c>services_configured</c>); never a key.</summary>
    public ImmutableList<string> ConfiguredServices { get; init; } = [];

    /// <summary>Server access keys by id.</summary>
    public ImmutableSortedDictionary<string, AccessKeyRecord> AccessKeys { get; init; } = ImmutableSortedDictionary.Create<string, AccessKeyRecord>(StringComparer.Ordinal);

    /// <summary>Keys of imported original files that have no typed place here.</summary>
    public JsonObject? Legacy { get; init; }
}
