using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace StateVault.Hosting.Health;

/// <summary>Adds one health check per registered manager (<c>statevault:manager:&lt;name&gt;</c>); names are known only once the managers exist.</summary>
internal sealed class ManagerHealthCheckRegistrations(IServiceProvider services) : IConfigureOptions<HealthCheckServiceOptions>
{
    public void Configure(HealthCheckServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var registry = services.GetRequiredService<IManagerRegistry>();
        var persistence = services.GetRequiredService<IStatePersistence>();
        foreach (var manager in registry.Managers)
        {
            var name = StateVaultHealthChecks.ManagerPrefix + manager.Name;
            if (options.Registrations.Any(r => r.Name == name))
            {
                continue;
            }

            options.Registrations.Add(new HealthCheckRegistration(
                name,
                _ => new ManagerHealthCheck(manager, persistence),
                HealthStatus.Unhealthy,
                [StateVaultHealthChecks.Tag, "manager"]));
        }
    }
}
