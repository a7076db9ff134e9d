using StateVault.Codecs;

namespace StateVault.Hosting;

/// <summary>Payload compression in configuration form (see <see cref="CompressionOptions"/>).</summary>
public sealed class StateVaultCompressionOptions
{
    /// <summary>The codec for payloads at or above <see cref="Threshold"/>.</summary>
    /// <value><c>zstd</c>.</value>
    public string Codec { get; set; } = SnapshotCodecs.Zstd;

    /// <summary>Smaller payloads stay plain JSON.</summary>
    /// <value>64 KiB.</value>
    public int Threshold { get; set; } = 64 * 1024;

    /// <summary>Whether <see cref="Codec"/> also applies on the local file and SQLite stores (see <see cref="CompressionOptions.CompressOnLocalStores"/>).</summary>
    /// <value><see langword="false"/>: on a local disk, payloads are stored uncompressed (faster than compressing them).</value>
    public bool CompressOnLocalStores { get; set; }

    /// <summary>Codec per system.</summary>
    public Dictionary<string, string> PerSystem { get; set; } = new(StringComparer.Ordinal);
}
