using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace StateVault.Hosting;

/// <summary>Optional: a component's own view of its health, combined by the host with its persistence health.</summary>
public interface IManagedHealth
{
    /// <summary>The component's health now (cheap: no I/O).</summary>
    HealthCheckResult CheckHealth();
}
