using Microsoft.Extensions.DependencyInjection.Extensions;
using StateVault.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers managed components.</summary>
public static class StateVaultBuilderExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TManager"/> as a singleton managed component: restored at start, autosaved, saved at stop,
    /// listed by <see cref="IManagerRegistry"/> in registration order, with its own health check. Registering a type twice has no effect.
    /// </summary>
    public static IStateVaultBuilder AddManager<TManager>(this IStateVaultBuilder builder)
        where TManager : class, IManagedComponent
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<TManager>();
        return Register(builder, typeof(TManager));
    }

    /// <summary>Registers <typeparamref name="TManager"/> created by <paramref name="factory"/> (see <see cref="AddManager{TManager}(IStateVaultBuilder)"/>).</summary>
    public static IStateVaultBuilder AddManager<TManager>(this IStateVaultBuilder builder, Func<IServiceProvider, TManager> factory)
        where TManager : class, IManagedComponent
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.TryAddSingleton(factory);
        return Register(builder, typeof(TManager));
    }

    private static IStateVaultBuilder Register(IStateVaultBuilder builder, Type type)
    {
        if (!builder.Services.Any(d => d.ServiceType == typeof(ManagerRegistration) && d.ImplementationInstance is ManagerRegistration r && r.ManagerType == type))
        {
            builder.Services.AddSingleton(new ManagerRegistration(type));
        }

        return builder;
    }
}
