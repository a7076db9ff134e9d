namespace StateVault.Managers.AiMlCore;

/// <summary>One execution of an ML workflow.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="WorkflowId">The workflow.</param>
/// <param name="Status">Completed or failed.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it ended.</param>
/// <param name="FailedStep">The step that failed.</param>
/// <param name="Description">The workflow's description at the time (imported executions).</param>
/// <param name="StepsCount">The number of steps the original recorded.</param>
/// <param name="Note">What is known to be wrong with the record (imported: the original's <c>steps_count: 0</c>).</param>
/// <param name="Finished">Whether it finished (imported executions the original never completed have <see langword="false"/>; then <paramref name="FinishedAt"/> is their start).</param>
public sealed record MlWorkflowExecution(string Id, string WorkflowId, MlStepStatus Status, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string? FailedStep, string? Description = null, int? StepsCount = null, string? Note = null, bool Finished = true);
