namespace StateVault.Cli.Migration;

/// <summary>The result of a migration: counts per system and every snapshot that did not copy cleanly.</summary>
/// <param name="Systems">One entry per system, in ordinal order.</param>
/// <param name="Problems">Damaged, failed and vanished snapshots, in the order met.</param>
internal sealed record MigrationReport(IReadOnlyList<SystemMigrationResult> Systems, IReadOnlyList<MigrationStep> Problems)
{
    /// <summary>Whether every source snapshot verified and every copy verified on the target.</summary>
    public bool Succeeded => Systems.All(s => s.SourceDamaged == 0 && s.Failed == 0);
}

/// <summary>Counts for one system.</summary>
internal sealed record SystemMigrationResult(string System, int Copied, int AlreadyPresent, int SourceDamaged, int Failed, int Vanished)
{
    /// <summary>Chunks of chunked snapshots this run put on the target.</summary>
    public int ChunksCopied { get; init; }

    /// <summary>Chunks chunked snapshots use that the target already held before this run.</summary>
    public int ChunksAlreadyPresent { get; init; }

    public int Total => Copied + AlreadyPresent + SourceDamaged + Failed + Vanished;
}
