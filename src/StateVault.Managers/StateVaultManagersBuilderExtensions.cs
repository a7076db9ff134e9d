using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StateVault;
using StateVault.Hosting;
using StateVault.Managers;
using StateVault.Managers.AiMlCore;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Core;
using StateVault.Managers.Dependencies;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Swarm;
using StateVault.Managers.Workflows;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the eight StateVault managers.</summary>
public static class StateVaultManagersBuilderExtensions
{
    /// <summary>
    /// Registers all eight managers, in this order (shutdown runs in reverse): core management, health thresholds, swarm integration,
    /// gaming alerts, dependencies, AI/ML workflows, AI/ML core, API keys; and <see cref="IAccessKeyRegistry"/> (the API key manager).
    /// Options are bound from <c>StateVault:Managers</c> of <paramref name="configuration"/> when given; <paramref name="configure"/> runs last.
    /// </summary>
    public static IStateVaultBuilder AddStateVaultManagers(this IStateVaultBuilder builder, IConfiguration? configuration = null, Action<ManagerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddManagerServices(builder, configuration, configure);
        return builder
            .AddStateVaultManager<CoreManager>()
            .AddStateVaultManager<HealthThresholdsManager>()
            .AddStateVaultManager<SwarmIntegrationManager>()
            .AddStateVaultManager<GamingAlertsManager>()
            .AddStateVaultManager<DependenciesManager>()
            .AddStateVaultManager<AiMlWorkflowsManager>()
            .AddStateVaultManager<AiMlCoreManager>()
            .AddStateVaultManager<ApiKeysManager>();
    }

    /// <summary>
    /// Registers one of the eight managers (and what managers need: <see cref="ManagerContext"/>, <see cref="ManagerOptions"/>).
    /// Registering <see cref="ApiKeysManager"/> also registers it as <see cref="IAccessKeyRegistry"/>.
    /// </summary>
    public static IStateVaultBuilder AddStateVaultManager<TManager>(this IStateVaultBuilder builder)
        where TManager : ManagerBase
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddManagerServices(builder, configuration: null, configure: null);
        builder.AddManager<TManager>();
        if (typeof(TManager) == typeof(ApiKeysManager))
        {
            builder.Services.TryAddSingleton<IAccessKeyRegistry>(sp => sp.GetRequiredService<ApiKeysManager>());
            // A shared store without a configured fingerprint secret fails the start, naming the option.
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ManagerOptions>, ApiKeysOptionsValidator>());
            builder.Services.AddOptions<ManagerOptions>().ValidateOnStart();
        }

        return builder;
    }

    /// <summary>
    /// Feeds the host's own figures (process CPU and memory, the vault's save latency and save error rate) to the health
    /// thresholds manager every <paramref name="interval"/> (registers that manager when it is not registered yet).
    /// </summary>
    public static IStateVaultBuilder AddHostMetricsSampling(this IStateVaultBuilder builder, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        builder.AddStateVaultManager<HealthThresholdsManager>();
        builder.Services.AddHostedService(sp => new HostMetricsSamplingService(
            sp.GetRequiredService<HealthThresholdsManager>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            interval,
            sp.GetRequiredService<ILogger<HostMetricsSamplingService>>()));
        return builder;
    }

    private static void AddManagerServices(IStateVaultBuilder builder, IConfiguration? configuration, Action<ManagerOptions>? configure)
    {
        var services = builder.Services;
        services.AddOptions<ManagerOptions>();
        if (configuration is not null)
        {
            services.Configure<ManagerOptions>(configuration.GetSection(ManagerOptions.SectionName));
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, ManagerTelemetryService>());
        services.TryAddSingleton(sp => new ManagerContext(
            sp.GetRequiredService<SnapshotVault>(),
            sp.GetRequiredService<IStatePersistence>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<IOptions<ManagerOptions>>(),
            sp));
    }
}
