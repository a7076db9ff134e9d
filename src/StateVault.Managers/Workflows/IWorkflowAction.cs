namespace StateVault.Managers.Workflows;

/// <summary>A step action provided by the application (registered in the container, or with <see cref="AiMlWorkflowsManager.RegisterAction"/>).</summary>
public interface IWorkflowAction
{
    /// <summary>The action name steps refer to.</summary>
    string Name { get; }

    /// <summary>Runs one attempt; throws to fail it. The token is cancelled at the step's timeout.</summary>
    /// <returns>A short result line (kept after redaction), or <see langword="null"/>.</returns>
    Task<string?> RunAsync(WorkflowStep step, CancellationToken cancellationToken);
}
