namespace StateVault.Http;

/// <summary>Options of the store that keeps snapshots on a running StateVault server.</summary>
public sealed class HttpSnapshotStoreOptions
{
    /// <summary>The environment variable the API key is read from when <see cref="ApiKey"/> is not set.</summary>
    public const string ApiKeyEnvironmentVariable = "STATEVAULT_API_KEY";

    /// <summary>The server's base address, e.g. <c>http://127.0.0.1:5080</c> (a path prefix is kept).</summary>
    /// <value><see langword="null"/>: taken from the store URI.</value>
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// The server access key (<c>svk_…</c>), sent as <c>Authorization: Bearer</c>. A writer key saves; deletes by
    /// retention need an admin key. Never logged.
    /// </summary>
    /// <value><see langword="null"/>: read from <c>STATEVAULT_API_KEY</c> when the store is opened.</value>
    public string? ApiKey { get; set; }

    /// <summary>The time one request may take (large envelopes included).</summary>
    /// <value>2 minutes.</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How often an append without an expected sequence retries after another writer took the sequence it tried.
    /// </summary>
    /// <value>100.</value>
    public int MaxAppendAttempts { get; set; } = 100;
}
