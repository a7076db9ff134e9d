namespace StateVault.Managers;

/// <summary>A manager's status changed.</summary>
/// <param name="previous">The old status.</param>
/// <param name="current">The new status.</param>
public sealed class ManagerStatusChangedEventArgs(ManagerStatus previous, ManagerStatus current) : EventArgs
{
    /// <summary>The old status.</summary>
    public ManagerStatus Previous { get; } = previous;

    /// <summary>The new status.</summary>
    public ManagerStatus Current { get; } = current;
}
