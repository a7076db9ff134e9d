namespace StateVault.Managers.AiMlCore;

/// <summary>A request for a provider key made through the API key manager.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Provider">The provider.</param>
/// <param name="Purpose">What for.</param>
/// <param name="Granted">Whether a key was handed out.</param>
/// <param name="KeyId">The key's id (never the key).</param>
/// <param name="Timestamp">When.</param>
public sealed record ApiKeyRequest(string Id, string Provider, string Purpose, bool Granted, string? KeyId, DateTimeOffset Timestamp);
