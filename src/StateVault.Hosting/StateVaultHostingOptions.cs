using StateVault.Secrets;
using StateVault.Storage;

namespace StateVault.Hosting;

/// <summary>
/// Options of a StateVault host, bound from the <c>StateVault</c> configuration section
/// (<c>STATEVAULT_STORE</c> overrides <see cref="Store"/>). Validated at startup.
/// </summary>
public sealed class StateVaultHostingOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "StateVault";

    /// <summary>The configuration key (an environment variable, as host builders load them) that overrides <see cref="Store"/>.</summary>
    public const string StoreEnvironmentVariable = "STATEVAULT_STORE";

    /// <summary>The store URI (<c>file:</c>, <c>sqlite:</c>, <c>postgresql://</c>, <c>s3://</c>, <c>http://</c>).</summary>
    /// <value><c>file:./data/persistent</c>.</value>
    public string Store { get; set; } = SnapshotStoreFactory.DefaultUri;

    /// <summary>Retention applied after each save.</summary>
    /// <value>Keep the newest five.</value>
    public StateVaultRetentionOptions Retention { get; set; } = new();

    /// <summary>Retention per system, overriding <see cref="Retention"/>.</summary>
    public Dictionary<string, StateVaultRetentionOptions> RetentionPerSystem { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Payload compression.</summary>
    public StateVaultCompressionOptions Compression { get; set; } = new();

    /// <summary>What a save does with a secret-looking value.</summary>
    /// <value><see cref="SecretPolicy.Reject"/>.</value>
    public SecretPolicy SecretPolicy { get; set; } = SecretPolicy.Reject;

    /// <summary>When an awaited state change is acknowledged: once durable (group commit), or once in memory.</summary>
    /// <value><see cref="StateVaultDurability.Durable"/>.</value>
    public StateVaultDurability Durability { get; set; } = StateVaultDurability.Durable;

    /// <summary>
    /// The longest an awaited durable change waits for the store. When it passes (the store hangs), the change fails with a
    /// transient <see cref="SnapshotStoreException"/> (the server answers 503) instead of hanging: it is not acknowledged, but it
    /// stays in memory and pending, and may still be stored by the background retry.
    /// </summary>
    /// <value>5 seconds.</value>
    public TimeSpan DurableAckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The quiet period after the last change before a dirty system is saved (changes not awaited durably, and every change in <see cref="StateVaultDurability.Deferred"/> mode).</summary>
    /// <value>2 seconds.</value>
    public TimeSpan AutosaveDebounce { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest a dirty system waits while changes keep coming.</summary>
    /// <value>30 seconds.</value>
    public TimeSpan AutosaveMaxInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First delay before a failed background save of a pending state is retried; later ones grow exponentially.</summary>
    /// <value>1 second.</value>
    public TimeSpan PendingRetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between retries of a pending state.</summary>
    /// <value>1 minute.</value>
    public TimeSpan PendingRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often each manager system is compared with the store while it has no unsaved change: when another writer (another
    /// instance, <c>statevault keys</c> on the store, a restore) saved a newer snapshot, it is reloaded. This bounds how long an
    /// instance shows an older state (an access key created or revoked elsewhere is seen within about this time plus a save).
    /// <see cref="TimeSpan.Zero"/> turns it off. Default 1 s.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Retries of a transient store failure within one engine call (see <see cref="SnapshotVaultOptions.MaxRetryAttempts"/>).</summary>
    /// <value>3.</value>
    public int StoreRetryAttempts { get; set; } = 3;

    /// <summary>First delay of those retries.</summary>
    /// <value>100 milliseconds.</value>
    public TimeSpan StoreRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the store health check waits for the store to answer.</summary>
    /// <value>5 seconds.</value>
    public TimeSpan HealthProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Recorded as the producer of every snapshot.</summary>
    /// <value><see langword="null"/>: <c>&lt;machine&gt;/&lt;process id&gt;</c>.</value>
    public string? Producer { get; set; }

    /// <summary>How many distinct systems get their own <c>system</c> tag in metrics (see <see cref="SnapshotVaultOptions.MetricsSystemLabelLimit"/>).</summary>
    /// <value>100.</value>
    public int MetricsSystemLabelLimit { get; set; } = SnapshotVaultOptions.DefaultMetricsSystemLabelLimit;

    /// <summary>Builds the engine options these settings describe.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public SnapshotVaultOptions ToVaultOptions()
    {
        var options = new SnapshotVaultOptions
        {
            Retention = Retention.ToPolicy(),
            SecretPolicy = SecretPolicy,
            MaxRetryAttempts = StoreRetryAttempts,
            RetryBaseDelay = StoreRetryDelay,
            MetricsSystemLabelLimit = MetricsSystemLabelLimit,
        };
        foreach (var (system, retention) in RetentionPerSystem)
        {
            options.RetentionPerSystem[system] = retention.ToPolicy();
        }

        options.Compression.Codec = Compression.Codec;
        options.Compression.Threshold = Compression.Threshold;
        options.Compression.CompressOnLocalStores = Compression.CompressOnLocalStores;
        foreach (var (system, codec) in Compression.PerSystem)
        {
            options.Compression.PerSystem[system] = codec;
        }

        if (!string.IsNullOrWhiteSpace(Producer))
        {
            options.Producer = Producer;
        }

        options.Validate();
        return options;
    }
}
