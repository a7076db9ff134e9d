namespace StateVault.Server.Hosting;

/// <summary>Options of the StateVault server (configuration section <c>StateVault:Server</c>).</summary>
public sealed class StateVaultServerOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "StateVault:Server";

    /// <summary>The largest request body a state route accepts (a JSON state), in bytes; larger ones get 413.</summary>
    /// <value>16 MiB.</value>
    public long MaxRequestBodyBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// The largest envelope the raw envelope routes accept, in bytes (the <c>http://</c> store writes through them, and an
    /// envelope may hold a compressed state larger than <see cref="MaxRequestBodyBytes"/>).
    /// </summary>
    /// <value>256 MiB.</value>
    public long MaxEnvelopeBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// The largest decoded state the raw envelope routes accept, in bytes: an envelope whose header declares a larger
    /// <c>raw_length</c> is refused (413) before anything is decoded.
    /// </summary>
    /// <value>256 MiB.</value>
    public long MaxStateBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// How many failed authentications one source address, and separately one presented key id, may make within
    /// <see cref="FailedAuthenticationWindow"/>; further failures are answered 429 until the window has passed. A request
    /// with a valid key is never refused by this limit, whatever others sent before it.
    /// </summary>
    /// <value>20.</value>
    public int FailedAuthenticationLimit { get; set; } = 20;

    /// <summary>The sliding window of <see cref="FailedAuthenticationLimit"/>.</summary>
    /// <value>1 minute.</value>
    public TimeSpan FailedAuthenticationWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Running behind a reverse proxy: whether and from whom <c>X-Forwarded-For</c> is trusted.</summary>
    public ReverseProxyOptions ReverseProxy { get; set; } = new();

    /// <summary>Who may read <c>/metrics</c>.</summary>
    public MetricsEndpointOptions Metrics { get; set; } = new();

    /// <summary>
    /// Whether the first start with an empty key list creates an admin key: written once to <see cref="FirstAdminKeyFile"/> (owner
    /// only), and shown on standard output only when that is an interactive terminal; never logged.
    /// </summary>
    /// <value><see langword="true"/>.</value>
    public bool CreateFirstAdminKey { get; set; } = true;

    /// <summary>
    /// The absolute path the first admin key is written to (once, readable by the owner only; the log names the path, never the
    /// key). Without it, on a <c>file:</c> store: <c>.statevault-admin-key</c> in the parent folder of the store's root; on other
    /// stores no file, so the key is created only when standard output is a terminal to show it on (headless deployments
    /// create keys with <c>statevault keys create</c>).
    /// </summary>
    /// <value><see langword="null"/>.</value>
    public string? FirstAdminKeyFile { get; set; }

    /// <summary>When <c>/health/ready</c> answers 503.</summary>
    public ReadinessOptions Readiness { get; set; } = new();

    /// <summary>How often the host's own figures (process CPU and memory, save latency and error rate) are fed to the health thresholds manager.</summary>
    /// <value>15 seconds.</value>
    public TimeSpan HostMetricsInterval { get; set; } = TimeSpan.FromSeconds(15);
}
