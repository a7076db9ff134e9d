namespace StateVault.Managers.ApiKeys;

/// <summary>A security check of one provider key.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="KeyId">The key.</param>
/// <param name="Provider">The provider.</param>
/// <param name="AgeDays">Days since it was first seen.</param>
/// <param name="RotationDue">Whether it is older than the rotation period.</param>
/// <param name="Present">Whether the key is in memory.</param>
/// <param name="Timestamp">When.</param>
public sealed record SecurityCheck(string Id, string KeyId, string Provider, int AgeDays, bool RotationDue, bool Present, DateTimeOffset Timestamp);
