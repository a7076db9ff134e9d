namespace StateVault.Managers.Workflows;

/// <summary>How a step of an execution ended.</summary>
public enum StepRunStatus
{
    /// <summary>Not yet run.</summary>
    Pending = 0,

    /// <summary>Running now.</summary>
    Running,

    /// <summary>Succeeded.</summary>
    Completed,

    /// <summary>Failed after its retries.</summary>
    Failed,

    /// <summary>Not run: a dependency did not complete, or a required step failed before it.</summary>
    Skipped,
}
