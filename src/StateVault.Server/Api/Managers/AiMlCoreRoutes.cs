using StateVault.Managers.AiMlCore;
using StateVault.Server.Access;

namespace StateVault.Server.Api.Managers;

/// <summary><c>/api/managers/ai_ml_core/…</c>: the model registry and ML workflows.</summary>
internal static class AiMlCoreRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/managers/ai_ml_core").WithTags("managers: ai_ml_core");
        group.MapGet("/models", (ModelStatus? status, AiMlCoreManager m) => TypedResults.Ok(m.ListModels(status))).WithSummary("Registered models (?status=registered|active|deprecated).");
        group.MapGet("/models/{id}", (string id, AiMlCoreManager m) =>
            m.GetModel(id) is { } model ? (IResult)TypedResults.Ok(model) : ManagerOperation.NotFound("model", id)).WithSummary("One model (by id or name).");
        group.MapPost("/models", (ModelRequest body, AiMlCoreManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.RegisterModelAsync(body.Name, body.Provider, body.ModelId, body.Version ?? "1.0", body.Capabilities, body.Parameters, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Registers a model.");
        group.MapPut("/models/{id}/status", (string id, ModelStatusRequest body, AiMlCoreManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.UpdateModelStatusAsync(id, body.Status, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Sets a model's status.");
        group.MapDelete("/models/{id}", async (string id, AiMlCoreManager m, CancellationToken ct) =>
                await m.DeleteModelAsync(id, ct).ConfigureAwait(false) ? Results.NoContent() : ManagerOperation.NotFound("model", id))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Deletes a model.");
        group.MapGet("/workflows", (AiMlCoreManager m) => TypedResults.Ok(m.CoreState.Workflows.Values)).WithSummary("ML workflows with their step statuses.");
        group.MapPost("/workflows/{id}/run", (string id, AiMlCoreManager m, CancellationToken cancellationToken) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.ExecuteWorkflowAsync(id, cancellationToken).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Runs an ML workflow.");
    }

    internal sealed record ModelRequest(string Name, string Provider, string ModelId, string? Version = null, List<string>? Capabilities = null, Dictionary<string, object?>? Parameters = null);

    internal sealed record ModelStatusRequest(ModelStatus Status);
}
