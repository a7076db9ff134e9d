namespace StateVault.Hosting;

/// <summary>What the restore at startup did for one system.</summary>
/// <param name="System">The system.</param>
/// <param name="Sequence">The snapshot adopted, or <see langword="null"/> when the system started from its defaults.</param>
/// <param name="CreatedUtc">When that snapshot was created.</param>
/// <param name="Skipped">Newer snapshots that were damaged or could not be adopted, newest first.</param>
public sealed record RestoreOutcome(string System, long? Sequence, DateTimeOffset? CreatedUtc, IReadOnlyList<SkippedSnapshot> Skipped)
{
    /// <summary>Whether the system started from its defaults (no usable snapshot).</summary>
    public bool FromDefaults => Sequence is null;

    /// <summary>Whether newer snapshots were skipped (a fallback to an older snapshot, or to the defaults).</summary>
    public bool FellBack => Skipped.Count > 0;
}
