using System.Collections.Immutable;

namespace StateVault.Managers.Core;

/// <summary>A system-wide operation: startup, initialize_all, shutdown_all, shutdown, status_check.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Operation">The operation.</param>
/// <param name="Timestamp">When.</param>
/// <param name="Succeeded">Whether every part succeeded.</param>
/// <param name="Components">The component statuses afterwards (name → status).</param>
/// <param name="Errors">Components that failed (name → exception type).</param>
/// <param name="Error">The error of the operation as a whole, when recorded (imported: the original's <c>error</c>).</param>
public sealed record SystemOperation(
    string Id,
    string Operation,
    DateTimeOffset Timestamp,
    bool Succeeded,
    ImmutableSortedDictionary<string, string> Components,
    ImmutableSortedDictionary<string, string> Errors,
    string? Error = null);
