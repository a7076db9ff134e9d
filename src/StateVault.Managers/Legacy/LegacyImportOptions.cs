namespace StateVault.Managers.Legacy;

/// <summary>Options of a legacy import.</summary>
public sealed class LegacyImportOptions
{
    /// <summary>The time zone of the machine that wrote the files (their timestamps are naive local times).</summary>
    /// <value><see cref="TimeZoneInfo.Local"/>.</value>
    public TimeZoneInfo TimeZone { get; set; } = TimeZoneInfo.Local;

    /// <summary>
    /// Whether files imported before are imported again with the current mapping. The new snapshot of each such file is saved
    /// first; then the earlier snapshots of that file are deleted, so the history holds each file once. The newest re-imported
    /// file becomes its system's newest state even when the managers wrote snapshots after the earlier import (they built on the
    /// earlier mapping; they stay in the history and <c>restore</c> brings them back).
    /// </summary>
    /// <value><see langword="false"/>: files imported before are reported and left alone.</value>
    public bool Reimport { get; set; }
}
