namespace StateVault.Storage;

/// <summary>Optional features of a store. The conformance suite checks each claimed feature.</summary>
/// <param name="SupportsMultipleProcesses">Several OS processes (or hosts) may append to the same system concurrently without duplicate sequences or lost saves.</param>
/// <param name="SupportsQuarantine">Damaged snapshots can be moved aside and kept instead of deleted.</param>
/// <param name="SupportsLargePayloads">Snapshots of 64 MiB and more round-trip.</param>
public sealed record SnapshotStoreCapabilities(
    bool SupportsMultipleProcesses = true,
    bool SupportsQuarantine = true,
    bool SupportsLargePayloads = true)
{
    /// <summary>
    /// Whether compressing a payload makes saves on this store cheaper: bytes travel over a network or cost storage
    /// (S3, PostgreSQL, a server). A store on a local disk says <see langword="false"/>: there, writing the uncompressed
    /// bytes takes less time than compressing them (measured: zstd-1 of 16 MiB of JSON takes about twice as long as the
    /// durable write of the uncompressed 16 MiB; at 64 KiB compression is a net loss too), so the engine stores them
    /// plain unless told otherwise (<see cref="Codecs.CompressionOptions.CompressOnLocalStores"/>).
    /// </summary>
    /// <value><see langword="true"/>.</value>
    public bool CompressionPays { get; init; } = true;
}
