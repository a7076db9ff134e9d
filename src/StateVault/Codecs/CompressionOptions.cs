namespace StateVault.Codecs;

/// <summary>How payloads are encoded.</summary>
public sealed class CompressionOptions
{
    /// <summary>The codec for payloads at or above <see cref="Threshold"/>, on stores where compression pays (see <see cref="CompressOnLocalStores"/>).</summary>
    /// <value><c>zstd</c>.</value>
    public string Codec { get; set; } = SnapshotCodecs.Zstd;

    /// <summary>Raw JSON smaller than this stays plain JSON (the identity codec), readable with ordinary tools.</summary>
    /// <value>64 KiB.</value>
    public int Threshold { get; set; } = 64 * 1024;

    /// <summary>Per-system overrides of <see cref="Codec"/>; the threshold still applies.</summary>
    public IDictionary<string, string> PerSystem { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Whether <see cref="Codec"/> also applies on stores where compression does not pay (a local disk: the file and
    /// SQLite stores, <see cref="Storage.SnapshotStoreCapabilities.CompressionPays"/>). Off by default: there a save writes
    /// the uncompressed bytes faster than it can compress them, so compression would only trade time for disk space.
    /// Per-system codecs in <see cref="PerSystem"/> apply on every store.
    /// </summary>
    /// <value><see langword="false"/>.</value>
    public bool CompressOnLocalStores { get; set; }

    internal string Select(string system, int rawLength, bool compressionPays = true)
    {
        if (rawLength < Threshold)
        {
            return SnapshotCodecs.Identity;
        }

        if (PerSystem.TryGetValue(system, out var codec))
        {
            return codec;
        }

        return compressionPays || CompressOnLocalStores ? Codec : SnapshotCodecs.Identity;
    }
}
