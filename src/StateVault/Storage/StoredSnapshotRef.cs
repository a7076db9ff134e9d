namespace StateVault.Storage;

/// <summary>A snapshot as a store lists it: its sequence number and stored length in bytes.</summary>
public readonly record struct StoredSnapshotRef(long Sequence, long Length);
