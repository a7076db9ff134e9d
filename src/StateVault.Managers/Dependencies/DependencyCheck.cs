namespace StateVault.Managers.Dependencies;

/// <summary>One check of a dependency (in the bounded history).</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Name">The dependency.</param>
/// <param name="Available">The result.</param>
/// <param name="Timestamp">When.</param>
/// <param name="DurationMs">How long the check took.</param>
/// <param name="Attempts">Attempts made (retries included).</param>
/// <param name="Error">The failure.</param>
/// <param name="CacheHit">Whether the result came from the cache, when recorded (imported checks).</param>
/// <param name="Note">What is known to be wrong with the record (imported: the original's <c>cache_hit</c> on a first check).</param>
public sealed record DependencyCheck(string Id, string Name, bool Available, DateTimeOffset Timestamp, double DurationMs, int Attempts, string? Error, bool? CacheHit = null, string? Note = null);
