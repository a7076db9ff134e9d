namespace StateVault.Hosting;

/// <summary>
/// Optional lifecycle of a <see cref="IManagedComponent"/>. The host calls <see cref="StartWorkAsync"/> only after every
/// manager's state was restored, and <see cref="StopWorkAsync"/> before the final save, so a change made while stopping
/// (a shutdown record) is saved too.
/// </summary>
public interface IManagedLifecycle
{
    /// <summary>Starts the component's own work (heartbeat, timers). Called once per host start, after the restore.</summary>
    Task StartWorkAsync(CancellationToken cancellationToken);

    /// <summary>Stops the component's own work. Called once per host stop, before the final save.</summary>
    Task StopWorkAsync(CancellationToken cancellationToken);
}
