namespace StateVault.Managers.Legacy;

/// <summary>Options of a legacy import.</summary>
public sealed class LegacyImportOptions
{
    /// <summary>The time zone of the machine that wrote the files (their timestamps are naive local times).</summary>
    /// <value><see cref="TimeZoneInfo.Local"/>.</value>
    public TimeZoneInfo TimeZone { get; set; } = TimeZoneInfo.Local;
}
