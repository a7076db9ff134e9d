namespace StateVault.Server.Hosting;

/// <summary>When <c>/health/ready</c> takes the instance out (configuration section <c>StateVault:Server:Readiness</c>).</summary>
public sealed class ReadinessOptions
{
    /// <summary>
    /// How long a system may hold a change the store has not acknowledged (a pending state waiting for the background retry)
    /// before the instance reports itself not ready. A short outage is ridden out; a long one sends traffic elsewhere.
    /// </summary>
    /// <value>1 minute.</value>
    public TimeSpan MaxPendingAge { get; set; } = TimeSpan.FromMinutes(1);
}
