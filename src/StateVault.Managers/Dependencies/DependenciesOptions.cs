namespace StateVault.Managers.Dependencies;

/// <summary>Options of the dependency checks.</summary>
public sealed class DependenciesOptions
{
    /// <summary>Assemblies that must load, by name.</summary>
    /// <value>The StateVault engine, StateVault hosting and System.Text.Json.</value>
    public List<string> Assemblies { get; set; } = ["StateVault", "StateVault.Hosting", "System.Text.Json"];

    /// <summary>Network services checked with a TCP connect: name → <c>host:port</c>.</summary>
    public Dictionary<string, string> Services { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether the configured store is a dependency (<c>store</c>, and <c>store_endpoint</c> for PostgreSQL, S3 and HTTP stores).</summary>
    /// <value><see langword="true"/>.</value>
    public bool CheckStore { get; set; } = true;

    /// <summary>Dependencies whose failure makes the manager and its health check Degraded.</summary>
    /// <value><c>store</c>.</value>
    public List<string> Critical { get; set; } = ["store"];

    /// <summary>How long a check result is reused (a cache hit) before the dependency is checked again.</summary>
    /// <value>30 seconds.</value>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one connect attempt.</summary>
    /// <value>3 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Attempts per check (the first plus retries).</summary>
    /// <value>3.</value>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Delay before the first retry; it doubles for each further retry.</summary>
    /// <value>200 milliseconds.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Check history policy: entries older than this are dropped (and at most <c>HistoryLimit</c> are kept).</summary>
    /// <value>7 days.</value>
    public TimeSpan HistoryMaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Whether every dependency is checked on each heartbeat (results within <see cref="CacheTtl"/> are reused).</summary>
    /// <value><see langword="true"/>.</value>
    public bool CheckOnHeartbeat { get; set; } = true;
}
