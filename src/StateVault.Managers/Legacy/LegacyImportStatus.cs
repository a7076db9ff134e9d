namespace StateVault.Managers.Legacy;

/// <summary>What happened to one original file.</summary>
public enum LegacyImportStatus
{
    /// <summary>Imported as a new snapshot.</summary>
    Imported = 0,

    /// <summary>Imported by an earlier run; nothing was written.</summary>
    AlreadyImported,

    /// <summary>Not imported; <see cref="LegacyFileOutcome.Reason"/> says why.</summary>
    Skipped,

    /// <summary>Imported before and imported again (<see cref="LegacyImportOptions.Reimport"/>): the new snapshot replaces the earlier ones.</summary>
    Reimported,
}
