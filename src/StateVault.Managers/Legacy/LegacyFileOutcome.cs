namespace StateVault.Managers.Legacy;

/// <summary>The outcome for one original file.</summary>
/// <param name="File">The file, relative to the imported directory (<c>&lt;folder&gt;/&lt;name&gt;</c>).</param>
/// <param name="System">The system it belongs to.</param>
/// <param name="Status">What happened.</param>
/// <param name="Sequence">The snapshot it is (imported now or earlier), when known.</param>
/// <param name="Reason">Why it was skipped (never a state value).</param>
/// <param name="MappedFields">Leaf values of the file that went into typed fields (files mapped by this run).</param>
/// <param name="LegacyFields">Leaf values of the file kept under <c>legacy</c> (files mapped by this run).</param>
/// <param name="Replaced">The earlier snapshots of the same file that a re-import replaced (deleted after the new one was durable).</param>
public sealed record LegacyFileOutcome(string File, string System, LegacyImportStatus Status, long? Sequence, string? Reason, int? MappedFields = null, int? LegacyFields = null, IReadOnlyList<long>? Replaced = null);
