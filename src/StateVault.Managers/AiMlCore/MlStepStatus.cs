namespace StateVault.Managers.AiMlCore;

/// <summary>The status of an ML workflow step.</summary>
public enum MlStepStatus
{
    /// <summary>Not run yet.</summary>
    Pending = 0,

    /// <summary>Running.</summary>
    Running,

    /// <summary>Done.</summary>
    Completed,

    /// <summary>Failed.</summary>
    Failed,
}
