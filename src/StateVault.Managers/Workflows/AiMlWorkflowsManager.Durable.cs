namespace StateVault.Managers.Workflows;

/// <content>The durable variants of the operations: each returns once its change is in a durable snapshot.</content>
public sealed partial class AiMlWorkflowsManager
{
    /// <summary><see cref="CreateWorkflow"/>, acknowledged once durable.</summary>
    public Task<WorkflowDefinition> CreateWorkflowAsync(string name, IReadOnlyList<WorkflowStep> steps, string? description = null, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => CreateWorkflow(name, steps, description), cancellationToken);

    /// <summary><see cref="DeleteWorkflow"/>, acknowledged once durable.</summary>
    public Task<bool> DeleteWorkflowAsync(string workflowId, CancellationToken cancellationToken = default) =>
        RunDurableAsync(() => DeleteWorkflow(workflowId), cancellationToken);
}
