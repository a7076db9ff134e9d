namespace StateVault.Managers.Workflows;

/// <summary>Options of the AI/ML workflows manager.</summary>
public sealed class WorkflowOptions
{
    /// <summary>
    /// Full paths of the executables a <c>process</c> step may start. Nothing else runs; processes are started without a
    /// shell, with an argument list.
    /// </summary>
    public List<string> AllowedExecutables { get; set; } = [];

    /// <summary>Delay between attempts of a failed step.</summary>
    /// <value>1 second.</value>
    public TimeSpan StepRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest timeout a step may declare.</summary>
    /// <value>1 hour.</value>
    public TimeSpan MaxStepTimeout { get; set; } = TimeSpan.FromHours(1);
}
