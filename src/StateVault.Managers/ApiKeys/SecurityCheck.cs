namespace StateVault.Managers.ApiKeys;

/// <summary>A security check of one provider key.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="KeyId">The key.</param>
/// <param name="Provider">The provider.</param>
/// <param name="AgeDays">Days since it was first seen.</param>
/// <param name="RotationDue">Whether it is older than the rotation period.</param>
/// <param name="Present">Whether the key is in memory.</param>
/// <param name="Timestamp">When.</param>
/// <param name="CheckType">What was checked, when it was not one key (imported: the original's <c>check_type</c>, e.g. <c>secure_storage</c>).</param>
/// <param name="Passed">Its result, when recorded that way (imported).</param>
public sealed record SecurityCheck(string Id, string KeyId, string Provider, int AgeDays, bool RotationDue, bool Present, DateTimeOffset Timestamp, string? CheckType = null, bool? Passed = null);
