namespace StateVault.Cli.Migration;

/// <summary>One snapshot handled by a migration, and how far the migration is.</summary>
/// <param name="System">The system.</param>
/// <param name="Sequence">The snapshot.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="Reason">Why, for damaged, failed and vanished snapshots.</param>
/// <param name="Done">Snapshots handled so far, this one included.</param>
/// <param name="Total">Snapshots to handle in all.</param>
internal sealed record MigrationStep(string System, long Sequence, MigrationOutcome Outcome, string? Reason, int Done, int Total);
