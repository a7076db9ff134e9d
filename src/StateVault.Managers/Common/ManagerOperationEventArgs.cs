namespace StateVault.Managers;

/// <summary>A manager finished an operation.</summary>
/// <param name="record">What was done.</param>
public sealed class ManagerOperationEventArgs(OperationRecord record) : EventArgs
{
    /// <summary>What was done.</summary>
    public OperationRecord Record { get; } = record;
}
