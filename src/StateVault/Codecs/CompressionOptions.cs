namespace StateVault.Codecs;

/// <summary>How payloads are encoded.</summary>
public sealed class CompressionOptions
{
    /// <summary>The codec for payloads at or above <see cref="Threshold"/>.</summary>
    /// <value><c>zstd</c>.</value>
    public string Codec { get; set; } = SnapshotCodecs.Zstd;

    /// <summary>Raw JSON smaller than this stays plain JSON (the identity codec), readable with ordinary tools.</summary>
    /// <value>64 KiB.</value>
    public int Threshold { get; set; } = 64 * 1024;

    /// <summary>Per-system overrides of <see cref="Codec"/>; the threshold still applies.</summary>
    public IDictionary<string, string> PerSystem { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    internal string Select(string system, int rawLength)
    {
        if (rawLength < Threshold)
        {
            return SnapshotCodecs.Identity;
        }

        return PerSystem.TryGetValue(system, out var codec) ? codec : Codec;
    }
}
