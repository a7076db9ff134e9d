namespace StateVault.Cli;

/// <summary>The process exit codes of <c>statevault</c> (DESIGN.md). Scripts depend on them: never renumber.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The operation failed (store error, damaged snapshot read, a migration copy that did not verify…).</summary>
    public const int Failure = 1;

    /// <summary>Invalid input or usage: one clear line on stderr, nothing written.</summary>
    public const int InvalidInput = 2;

    /// <summary><c>verify</c> found damaged snapshots.</summary>
    public const int Damaged = 3;

    /// <summary>The system or snapshot does not exist.</summary>
    public const int NotFound = 4;

    /// <summary>Concurrency conflict: the expected sequence was not the latest.</summary>
    public const int Conflict = 5;
}
