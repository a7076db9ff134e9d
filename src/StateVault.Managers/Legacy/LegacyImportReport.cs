namespace StateVault.Managers.Legacy;

/// <summary>The result of a legacy import: one outcome per file, in the order processed (per folder, oldest first).</summary>
/// <param name="Files">The outcomes.</param>
public sealed record LegacyImportReport(IReadOnlyList<LegacyFileOutcome> Files)
{
    /// <summary>Files imported now.</summary>
    public int Imported => Files.Count(f => f.Status == LegacyImportStatus.Imported);

    /// <summary>Files imported by an earlier run.</summary>
    public int AlreadyImported => Files.Count(f => f.Status == LegacyImportStatus.AlreadyImported);

    /// <summary>Files imported again, replacing an earlier import.</summary>
    public int Reimported => Files.Count(f => f.Status == LegacyImportStatus.Reimported);

    /// <summary>Files skipped.</summary>
    public int Skipped => Files.Count(f => f.Status == LegacyImportStatus.Skipped);

    /// <summary>Whether any file was skipped (the CLI exits non-zero then).</summary>
    public bool HasSkipped => Skipped > 0;
}
