using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace StateVault.Hosting.Persistence;

/// <summary>
/// Every <see cref="StateVaultHostingOptions.RefreshInterval"/>, reloads each manager system another writer saved since this
/// process last saw it (see <see cref="AutosaveCoordinator.RefreshAsync"/>). Reads only: an idle instance writes nothing.
/// </summary>
internal sealed class StateRefreshService(
    IManagerRegistry registry,
    AutosaveCoordinator coordinator,
    IOptions<StateVaultHostingOptions> options,
    TimeProvider time,
    ILogger<StateRefreshService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.RefreshInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await RefreshAllAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>One pass over every manager system.</summary>
    internal async Task RefreshAllAsync(CancellationToken cancellationToken)
    {
        foreach (var manager in registry.Managers)
        {
            foreach (var system in manager.Systems)
            {
                try
                {
                    await coordinator.RefreshAsync(manager, system, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The store is out or the snapshot cannot be adopted now: the instance keeps its state and tries again.
                    Log.RefreshFailed(logger, system, ex.GetType().Name);
                }
            }
        }
    }
}
