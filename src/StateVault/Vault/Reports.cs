using System.Text.Json.Nodes;
using StateVault.Retention;

namespace StateVault;

/// <summary>One snapshot in a listing, valid or not.</summary>
/// <param name="System">The system.</param>
/// <param name="Sequence">Sequence number.</param>
/// <param name="StoredBytes">Bytes on the store (whole envelope).</param>
/// <param name="Metadata">The verified header, or <see langword="null"/> when verification failed.</param>
/// <param name="Error">The failed check, when not valid.</param>
public sealed record SnapshotListing(string System, long Sequence, long StoredBytes, SnapshotMetadata? Metadata, string? Error)
{
    /// <summary>Whether the snapshot verified.</summary>
    public bool IsValid => Error is null;
}

/// <summary>The result of verifying snapshots.</summary>
/// <param name="Snapshots">Every snapshot checked.</param>
public sealed record VerifyReport(IReadOnlyList<SnapshotListing> Snapshots)
{
    /// <summary>The damaged ones.</summary>
    public IReadOnlyList<SnapshotListing> Damaged => Snapshots.Where(s => !s.IsValid).ToList();

    /// <summary>Whether every snapshot verified.</summary>
    public bool IsHealthy => Snapshots.All(s => s.IsValid);
}

/// <summary>A system as a whole.</summary>
/// <param name="Name">System name.</param>
/// <param name="LatestSequence">Highest allocated sequence.</param>
/// <param name="Count">Snapshots on the store.</param>
/// <param name="Bytes">Bytes on the store.</param>
/// <param name="LastSavedUtc">Creation time of the newest valid snapshot.</param>
/// <param name="OldestUtc">Creation time of the oldest valid snapshot.</param>
/// <param name="Damaged">Snapshots that failed verification.</param>
public sealed record SystemSummary(string Name, long LatestSequence, int Count, long Bytes, DateTimeOffset? LastSavedUtc, DateTimeOffset? OldestUtc, int Damaged)
{
    /// <summary>Chunks the system keeps for chunked snapshots (referenced or not yet collected).</summary>
    public int Chunks { get; init; }

    /// <summary>Their stored bytes (not counted in <see cref="Bytes"/>).</summary>
    public long ChunkBytes { get; init; }
}

/// <summary>How one JSON path changed.</summary>
/// <param name="Path">JSON path, e.g. <c>$.thresholds.cpu_usage.warning</c>.</param>
/// <param name="Kind"><c>added</c>, <c>removed</c> or <c>changed</c>.</param>
/// <param name="OldValue">The value before (<see langword="null"/> when added).</param>
/// <param name="NewValue">The value after (<see langword="null"/> when removed).</param>
public sealed record JsonChange(string Path, string Kind, JsonNode? OldValue, JsonNode? NewValue);

/// <summary>The difference between two snapshots.</summary>
public sealed record SnapshotDiff(string System, long FromSequence, long ToSequence, IReadOnlyList<JsonChange> Changes);

/// <summary>The result of applying retention.</summary>
/// <param name="DryRun">Whether nothing was changed.</param>
/// <param name="Plans">One plan per system.</param>
/// <param name="Quarantined">Damaged snapshots moved to quarantine (none in a dry run).</param>
public sealed record PruneResult(bool DryRun, IReadOnlyList<RetentionPlan> Plans, IReadOnlyList<SnapshotListing> Quarantined)
{
    /// <summary>How many snapshots were (or would be) removed.</summary>
    public int RemovedCount => Plans.Sum(p => p.Removed.Count());

    /// <summary>Unreferenced chunks deleted (or, in a dry run, unreferenced now and past the grace period).</summary>
    public int ChunksDeleted { get; init; }

    /// <summary>Their stored bytes.</summary>
    public long ChunkBytesFreed { get; init; }
}
