namespace StateVault.Managers.ApiKeys;

/// <summary>An operation on provider keys.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Operation"><c>load</c>, <c>add</c>, <c>remove</c>, <c>validate</c>, <c>request</c>, <c>security_check</c>.</param>
/// <param name="Provider">The provider.</param>
/// <param name="KeyId">The key, when one was involved.</param>
/// <param name="Success">Whether it succeeded (for requests: whether a key was handed out).</param>
/// <param name="Detail">Who asked and why, or what failed (never a key).</param>
/// <param name="Timestamp">When.</param>
/// <param name="KeyAvailable">Whether a key was present, when recorded (imported operations).</param>
/// <param name="KeyValid">Whether the key was valid, when recorded (<see langword="null"/>: not judged).</param>
public sealed record KeyOperation(string Id, string Operation, string Provider, string? KeyId, bool Success, string? Detail, DateTimeOffset Timestamp, bool? KeyAvailable = null, bool? KeyValid = null);
