using System.Text.Json;
using StateVault.Chunking;
using StateVault.Codecs;
using StateVault.Retention;
using StateVault.Schema;
using StateVault.Secrets;
using StateVault.Serialization;

namespace StateVault;

/// <summary>Options of a <see cref="SnapshotVault"/>.</summary>
public sealed class SnapshotVaultOptions
{
    /// <summary>The default of <see cref="MaxStateBytes"/>: 256 MiB.</summary>
    public const long DefaultMaxStateBytes = 256L * 1024 * 1024;

    /// <summary>The default of <see cref="MaxExpansionRatio"/>: 1024.</summary>
    public const int DefaultMaxExpansionRatio = 1024;

    /// <summary>The retention policy applied after each save and by prune, unless a system has its own.</summary>
    /// <value><see cref="RetentionPolicy.Default"/>: keep the newest five.</value>
    public RetentionPolicy Retention { get; set; } = RetentionPolicy.Default;

    /// <summary>Retention policies per system, overriding <see cref="Retention"/>.</summary>
    public IDictionary<string, RetentionPolicy> RetentionPerSystem { get; } = new Dictionary<string, RetentionPolicy>(StringComparer.Ordinal);

    /// <summary>Whether retention runs after every successful save.</summary>
    /// <value><see langword="true"/>.</value>
    public bool PruneAfterSave { get; set; } = true;

    /// <summary>Payload codecs.</summary>
    public CompressionOptions Compression { get; set; } = new();

    /// <summary>Chunked, deduplicated snapshots of large states on stores that keep chunks.</summary>
    public ChunkingOptions Chunking { get; set; } = new();

    /// <summary>What happens to secret-looking values.</summary>
    /// <value><see cref="SecretPolicy.Reject"/>.</value>
    public SecretPolicy SecretPolicy { get; set; } = SecretPolicy.Reject;

    /// <summary>
    /// JSON settings for typed state. Members marked <see cref="SensitiveAttribute"/> are always removed, whatever is set here.
    /// </summary>
    /// <value><see cref="StateVaultJson.CreateDefaultOptions"/>: snake_case names.</value>
    public JsonSerializerOptions JsonOptions { get; set; } = StateVaultJson.CreateDefaultOptions();

    /// <summary>Upcasters for older schema versions.</summary>
    public UpcasterRegistry Upcasters { get; } = new();

    /// <summary>Recorded as the producer of every snapshot.</summary>
    /// <value><c>&lt;machine&gt;/&lt;process id&gt;</c>.</value>
    public string Producer { get; set; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>How often a transient store failure is retried within one call.</summary>
    /// <value>3.</value>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First retry delay; later ones grow exponentially with jitter.</summary>
    /// <value>100 ms.</value>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The largest state (serialized JSON, in bytes) a save accepts and a load decodes. A save above it fails with
    /// <see cref="ArgumentException"/>; a stored snapshot whose header declares more is damage (skipped, quarantined,
    /// reported by verify), so no header, however crafted, sizes an allocation beyond this.
    /// </summary>
    /// <remarks>The file store reads files up to <see cref="Storage.FileSnapshotStoreOptions.MaxSnapshotBytes"/>; raise both together.</remarks>
    /// <value><see cref="DefaultMaxStateBytes"/> (256 MiB).</value>
    public long MaxStateBytes { get; set; } = DefaultMaxStateBytes;

    /// <summary>
    /// How many times larger than its stored payload a compressed snapshot may declare its state. A load refuses (as damage)
    /// a header claiming more, before decoding; a save whose state compresses beyond it stores plain JSON instead.
    /// </summary>
    /// <value><see cref="DefaultMaxExpansionRatio"/> (1024; real JSON states compress 3 to 50 times).</value>
    public int MaxExpansionRatio { get; set; } = DefaultMaxExpansionRatio;

    /// <summary>The default of <see cref="MetricsSystemLabelLimit"/>.</summary>
    public const int DefaultMetricsSystemLabelLimit = 100;

    /// <summary>
    /// How many distinct systems get their own <c>system</c> tag on the <c>StateVault</c> meter; the rest share the tag value
    /// <c>_other</c>, so metrics stay bounded however many systems callers create.
    /// </summary>
    /// <value>100.</value>
    public int MetricsSystemLabelLimit { get; set; } = DefaultMetricsSystemLabelLimit;

    /// <summary>The retention policy for one system.</summary>
    public RetentionPolicy RetentionFor(string system) =>
        RetentionPerSystem.TryGetValue(system, out var policy) ? policy : Retention;

    /// <summary>Throws <see cref="ArgumentException"/> for invalid settings.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Retention);
        Retention.Validate();
        foreach (var (system, policy) in RetentionPerSystem)
        {
            SystemName.Validate(system, nameof(RetentionPerSystem));
            policy.Validate();
        }

        if (!SnapshotCodecs.IsKnown(Compression.Codec) || Compression.PerSystem.Values.Any(c => !SnapshotCodecs.IsKnown(c)))
        {
            throw new ArgumentException($"Unknown codec. Known: {string.Join(", ", SnapshotCodecs.All)}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Compression.Threshold);
        ArgumentNullException.ThrowIfNull(Chunking);
        Chunking.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetryAttempts);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStateBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxStateBytes, Array.MaxLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxExpansionRatio, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MetricsSystemLabelLimit);
        if (!Enum.IsDefined(SecretPolicy))
        {
            throw new ArgumentException($"Unknown secret policy {SecretPolicy}.");
        }
    }
}
