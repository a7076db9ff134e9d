using StateVault.Hosting;
using StateVault.Managers.ApiKeys;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Opens the access key registry in a container that is not run as a host (the <c>statevault keys</c> verbs).</summary>
public static class AccessKeyRegistryServiceProviderExtensions
{
    /// <summary>
    /// Restores the <c>api_keys</c> system from the store and returns the registry. Needs
    /// <c>services.AddStateVault(…).AddStateVaultManager&lt;ApiKeysManager&gt;()</c> (or <c>AddStateVaultManagers()</c>).
    /// Creations and revocations are saved (acknowledged) before the calls return.
    /// </summary>
    public static async Task<IAccessKeyRegistry> OpenAccessKeyRegistryAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var manager = services.GetRequiredService<ApiKeysManager>();
        await services.GetRequiredService<IStatePersistence>().RestoreAsync(manager, cancellationToken).ConfigureAwait(false);
        return manager;
    }
}
