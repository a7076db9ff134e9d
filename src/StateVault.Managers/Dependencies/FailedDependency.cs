namespace StateVault.Managers.Dependencies;

/// <summary>A dependency whose last check failed (kept until a check succeeds).</summary>
/// <param name="Name">The dependency.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Target">Its target.</param>
/// <param name="Critical">Whether it is critical.</param>
/// <param name="FailedSince">The first failure of the current run of failures.</param>
/// <param name="LastError">The last failure.</param>
/// <param name="ConsecutiveFailures">Failed checks in a row.</param>
public sealed record FailedDependency(string Name, DependencyKind Kind, string Target, bool Critical, DateTimeOffset FailedSince, string LastError, int ConsecutiveFailures);
