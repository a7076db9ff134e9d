namespace StateVault.Cli.Migration;

/// <summary>What happened to one source snapshot during a migration.</summary>
internal enum MigrationOutcome
{
    /// <summary>Copied, read back from the target and found byte-identical and valid.</summary>
    Copied,

    /// <summary>The target already held an identical copy (a resumed migration); nothing written.</summary>
    AlreadyPresent,

    /// <summary>The source snapshot failed verification; it was not copied.</summary>
    SourceDamaged,

    /// <summary>The copy did not verify, or the target holds something else at that sequence.</summary>
    Failed,

    /// <summary>Deleted from the source (e.g. by retention) between listing and reading; nothing to copy.</summary>
    Vanished,
}
