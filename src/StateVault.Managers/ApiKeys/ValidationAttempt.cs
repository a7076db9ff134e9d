namespace StateVault.Managers.ApiKeys;

/// <summary>One validation of a provider key.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="KeyId">The key.</param>
/// <param name="Provider">The provider.</param>
/// <param name="Result">The result.</param>
/// <param name="Format">The format matched.</param>
/// <param name="Timestamp">When.</param>
/// <param name="KeyAvailable">Whether a key was present, when recorded (imported attempts).</param>
/// <param name="KeyValid">Whether it was valid, when recorded.</param>
public sealed record ValidationAttempt(string Id, string KeyId, string Provider, KeyValidationResult Result, string? Format, DateTimeOffset Timestamp, bool? KeyAvailable = null, bool? KeyValid = null);
