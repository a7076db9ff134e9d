namespace StateVault.Managers.Workflows;

/// <summary>The status of a workflow execution.</summary>
public enum ExecutionStatus
{
    /// <summary>Running.</summary>
    Running = 0,

    /// <summary>Every required step completed.</summary>
    Completed,

    /// <summary>A required step failed.</summary>
    Failed,

    /// <summary>Cancelled.</summary>
    Cancelled,
}
