namespace StateVault.Managers.ApiKeys;

/// <content>The durable variants of the operations: each returns once its change is in a durable snapshot.</content>
public sealed partial class ApiKeysManager
{
    /// <summary><see cref="AddProviderKey"/>, acknowledged once the key's record is durable (the key itself stays in memory only).</summary>
    public Task<ProviderKeyInfo> AddProviderKeyAsync(string provider, string key, KeySource source = KeySource.Runtime, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => AddProviderKey(provider, key, source), cancellationToken);

    /// <summary><see cref="RemoveProviderKey"/>, acknowledged once durable.</summary>
    public Task<bool> RemoveProviderKeyAsync(string keyId, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => RemoveProviderKey(keyId), cancellationToken);

    /// <summary><see cref="ValidateProviderKey"/>, acknowledged once the validation record is durable.</summary>
    public Task<KeyValidationResult> ValidateProviderKeyAsync(string keyId, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => ValidateProviderKey(keyId), cancellationToken);

    /// <summary><see cref="RequestProviderKey"/>, acknowledged once the request record is durable.</summary>
    public Task<ProviderKey?> RequestProviderKeyAsync(string provider, string requester, string purpose, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => RequestProviderKey(provider, requester, purpose), cancellationToken);

    /// <summary><see cref="RunSecurityChecks"/>, acknowledged once the recorded checks are durable.</summary>
    public Task<IReadOnlyList<SecurityCheck>> RunSecurityChecksAsync(CancellationToken cancellationToken = default) =>
        RunDurableAsync(RunSecurityChecks, cancellationToken);

    /// <summary>The reload generations of the API key system, taken before another manager changes it (see <see cref="WhenDurableSinceAsync"/>).</summary>
    internal IReadOnlyList<long> CaptureReloadGenerations() => CaptureGenerations();

    /// <summary>
    /// Returns once the changes made since <paramref name="generations"/> were taken are durable; <see cref="SnapshotConcurrencyException"/>
    /// when the system was reloaded since (a lost compare-and-set dropped them), so another manager never acknowledges a change here
    /// that a reload undid.
    /// </summary>
    internal Task WhenDurableSinceAsync(IReadOnlyList<long> generations, CancellationToken cancellationToken) =>
        WhenDurableAsync(generations, cancellationToken);
}
