using Spectre.Console;

namespace StateVault.Cli.Output;

/// <summary>One snapshot's metadata as a two-column table (save, restore).</summary>
internal static class MetadataTable
{
    public static Table Create(SnapshotMetadata metadata)
    {
        var table = Display.Table("Field", "Value");
        table.Row("system", metadata.System);
        table.Row("sequence", Display.Number(metadata.Sequence));
        table.Row("created (UTC)", Display.Time(metadata.CreatedUtc));
        table.Row("size", $"{Display.Bytes(metadata.StoredLength)} stored, {Display.Bytes(metadata.RawLength)} JSON");
        table.Row("codec", metadata.Codec);
        table.Row("schema", $"{metadata.StateType} v{metadata.SchemaVersion}");
        table.Row("sha256", metadata.Sha256);
        table.Row("tags", metadata.Tags.Count == 0 ? "-" : string.Join(", ", metadata.Tags));
        foreach (var (key, value) in metadata.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            table.Row(key, value);
        }

        return table;
    }
}
