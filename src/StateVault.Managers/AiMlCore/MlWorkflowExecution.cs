namespace StateVault.Managers.AiMlCore;

/// <summary>One execution of an ML workflow.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="WorkflowId">The workflow.</param>
/// <param name="Status">Completed or failed.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it ended.</param>
/// <param name="FailedStep">The step that failed.</param>
public sealed record MlWorkflowExecution(string Id, string WorkflowId, MlStepStatus Status, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string? FailedStep);
