namespace StateVault.Cli.Output;

/// <summary>The <c>--json</c> shape of one snapshot's metadata (save, restore, list).</summary>
internal sealed record SnapshotJson(
    string System,
    long Sequence,
    DateTimeOffset CreatedUtc,
    int SchemaVersion,
    string StateType,
    string Codec,
    long StoredLength,
    long RawLength,
    string Sha256,
    string? Producer,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, string> Attributes)
{
    public static SnapshotJson From(SnapshotMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new SnapshotJson(
            metadata.System,
            metadata.Sequence,
            metadata.CreatedUtc,
            metadata.SchemaVersion,
            metadata.StateType,
            metadata.Codec,
            metadata.StoredLength,
            metadata.RawLength,
            metadata.Sha256,
            metadata.Producer,
            metadata.Tags,
            metadata.Attributes);
    }
}
