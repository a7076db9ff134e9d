namespace StateVault.Managers;

/// <summary>One operation a manager carried out (kept in a bounded, in-memory history).</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Operation">The operation name, e.g. <c>set_threshold</c>.</param>
/// <param name="StartedUtc">When it started.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="Succeeded">Whether it succeeded.</param>
/// <param name="Error">The exception type when it failed (never a value).</param>
public sealed record OperationRecord(string Id, string Operation, DateTimeOffset StartedUtc, double DurationMs, bool Succeeded, string? Error);
