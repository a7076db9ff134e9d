using System.Collections.Immutable;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Workflows;
using StateVault.Server.Access;

namespace StateVault.Server.Api.Managers;

/// <summary>
/// <c>/api/managers/ai_ml_workflows/…</c>: workflow definitions, runs and step statistics. A definition with a step that
/// starts an external process needs an admin key; built-in actions need a writer key.
/// </summary>
internal static class AiMlWorkflowsRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/managers/ai_ml_workflows").WithTags("managers: ai_ml_workflows");
        group.MapGet("/workflows", (AiMlWorkflowsManager m) => TypedResults.Ok(m.State.Workflows.Values)).WithSummary("Every workflow definition.");
        group.MapGet("/workflows/{id}", (string id, AiMlWorkflowsManager m) =>
            ManagerOperation.OkOrNotFound(m.FindWorkflow(id), "workflow", id)).WithSummary("One workflow (by id or name).");
        group.MapPost("/workflows", async (WorkflowRequest body, HttpContext http, AiMlWorkflowsManager m) =>
            {
                if ((body.Steps ?? []).Any(StartsProcess) && AccessPolicies.RoleOf(http.User) is not AccessRole.Admin)
                {
                    return new ManagerOperation.Refusal(Problems.Create(StatusCodes.Status403Forbidden, "Admin key required", "A workflow with a step that starts an external process can only be defined with an admin key."));
                }

                return await ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.CreateWorkflowAsync(body.Name, body.Steps ?? [], body.Description, http.RequestAborted).ConfigureAwait(false))).ConfigureAwait(false);
            })
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Defines a workflow (admin when a step starts an external process).");
        group.MapDelete("/workflows/{id}", async (string id, AiMlWorkflowsManager m, CancellationToken ct) =>
                ManagerOperation.NoContentOrNotFound(await m.DeleteWorkflowAsync(id, ct).ConfigureAwait(false), "workflow", id))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Deletes a workflow.");
        group.MapPost("/workflows/{id}/run", (string id, AiMlWorkflowsManager m, CancellationToken cancellationToken) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.ExecuteAsync(id, cancellationToken).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Runs a workflow: steps in dependency order, with timeouts and retries; returns the run.");
        group.MapGet("/runs", (AiMlWorkflowsManager m) => TypedResults.Ok(new WorkflowRuns(m.GetActiveExecutions(), m.State.ExecutionHistory))).WithSummary("Active runs and the run history.");
        group.MapGet("/statistics", (AiMlWorkflowsManager m) => TypedResults.Ok(m.State.StepStatistics)).WithSummary("Per-step statistics.");
    }

    internal static bool StartsProcess(WorkflowStep step) =>
        step.Executable is not null || string.Equals(step.Action, "process", StringComparison.OrdinalIgnoreCase);

    /// <summary>Body of <c>GET …/runs</c>: the runs in progress and the finished ones.</summary>
    internal sealed record WorkflowRuns(IReadOnlyList<WorkflowExecution> Active, ImmutableList<WorkflowExecution> History);

    internal sealed record WorkflowRequest(string Name, List<WorkflowStep>? Steps, string? Description = null);
}
