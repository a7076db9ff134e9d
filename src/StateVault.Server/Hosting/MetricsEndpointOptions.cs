namespace StateVault.Server.Hosting;

/// <summary>Who may read <c>/metrics</c> (configuration section <c>StateVault:Server:Metrics</c>).</summary>
/// <remarks>
/// The number of series is bounded whatever the setting: systems past <c>StateVault:MetricsSystemLabelLimit</c> (default 100)
/// share the <c>system="_other"</c> series.
/// </remarks>
public sealed class MetricsEndpointOptions
{
    /// <summary>
    /// Whether <c>/metrics</c> answers without a key (for a Prometheus scraper that sends none). Otherwise it needs a reader key,
    /// as the <c>/api</c> routes do (a scraper sends it with <c>authorization: { credentials: … }</c>).
    /// </summary>
    /// <value><see langword="false"/>.</value>
    public bool AllowAnonymous { get; set; }
}
