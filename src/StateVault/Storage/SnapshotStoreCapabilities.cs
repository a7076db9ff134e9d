namespace StateVault.Storage;

/// <summary>Optional features of a store. The conformance suite checks each claimed feature.</summary>
/// <param name="SupportsMultipleProcesses">Several OS processes (or hosts) may append to the same system concurrently without duplicate sequences or lost saves.</param>
/// <param name="SupportsQuarantine">Damaged snapshots can be moved aside and kept instead of deleted.</param>
/// <param name="SupportsLargePayloads">Snapshots of 64 MiB and more round-trip.</param>
public sealed record SnapshotStoreCapabilities(
    bool SupportsMultipleProcesses = true,
    bool SupportsQuarantine = true,
    bool SupportsLargePayloads = true);
