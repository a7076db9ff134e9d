using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StateVault.Hosting.Persistence;
using StateVault.Storage;
using Microsoft.Extensions.Options;

namespace StateVault.Hosting;

/// <summary>
/// Restores every manager before any hosted service starts (<see cref="StartingAsync"/>), starts their work
/// (<see cref="StartAsync"/>), stops their work (<see cref="StoppingAsync"/>) and saves every dirty system within the
/// shutdown timeout (<see cref="StopAsync"/>).
/// </summary>
internal sealed class StateVaultHostedService(
    IManagerRegistry registry,
    AutosaveCoordinator coordinator,
    IOptions<StateVaultHostingOptions> options,
    ILogger<StateVaultHostedService> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        Log.RestoringManagers(logger, registry.Managers.Count, SnapshotStoreFactory.Redact(options.Value.Store));
        foreach (var manager in registry.Managers)
        {
            await coordinator.RestoreAsync(manager, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var manager in registry.Managers)
        {
            if (manager is IManagedLifecycle lifecycle)
            {
                await lifecycle.StartWorkAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        // Reverse order, so a manager that records the others' shutdown (core management) stops last.
        foreach (var manager in registry.Managers.Reverse())
        {
            if (manager is not IManagedLifecycle lifecycle)
            {
                continue;
            }

            try
            {
                await lifecycle.StopWorkAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One manager failing to stop must not keep the others' state from being saved.
                Log.ManagerLifecycleFailed(logger, manager.Name, "stopping", ex);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => coordinator.SaveAllAtShutdownAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
