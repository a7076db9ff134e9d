namespace StateVault.Orleans;

/// <summary>Options of one StateVault grain storage provider (one set per provider name).</summary>
public sealed class StateVaultGrainStorageOptions
{
    /// <summary>
    /// The store URI: <c>file:./data/grains</c>, <c>postgresql://user:pass@host/db</c>, <c>sqlite:…</c>, <c>s3://…</c>.
    /// Schemes other than <c>file:</c> need their package's provider registered in the silo's services
    /// (e.g. <c>services.AddPostgreSqlSnapshotStoreProvider()</c>). Required.
    /// </summary>
    public string Store { get; set; } = string.Empty;

    /// <summary>
    /// The first segment of every system name this provider writes (see <see cref="SystemNameEncoder"/>), so that
    /// grain states can share a store with other systems: <c>&lt;prefix&gt;.&lt;state name&gt;.&lt;grain type&gt;.&lt;grain key&gt;</c>.
    /// </summary>
    /// <value><c>orleans</c>.</value>
    public string SystemPrefix { get; set; } = "orleans";

    /// <summary>
    /// The engine settings every write and read goes through: retention (how many older versions of each grain state
    /// are kept; a cleared state is a snapshot too), compression, the secret policy, JSON settings, upcasters, retries.
    /// </summary>
    /// <value>StateVault's defaults: keep the newest five, zstd from 64 KiB, reject secret-looking values, snake_case JSON.</value>
    public SnapshotVaultOptions Vault { get; set; } = new();
}
