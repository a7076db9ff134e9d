using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
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
            ManagerOperation.OkOrNotFound(m.GetModel(id), "model", id)).WithSummary("One model (by id or name).");
        group.MapPost("/models", (ModelRequest body, AiMlCoreManager m, CancellationToken ct) =>
                !IsWritableJson(body.Parameters)
                    ? Task.FromResult<Results<Ok<ModelRecord>, ManagerOperation.Refusal>>(new ManagerOperation.Refusal(Problems.Create(StatusCodes.Status400BadRequest, "Invalid operation arguments", "A parameter value is not valid JSON text (invalid UTF-8 or an unpaired UTF-16 surrogate in a string).")))
                    : ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.RegisterModelAsync(body.Name, body.Provider, body.ModelId, body.Version ?? "1.0", body.Capabilities, body.Parameters, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Registers a model.");
        group.MapPut("/models/{id}/status", (string id, ModelStatusRequest body, AiMlCoreManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.UpdateModelStatusAsync(id, body.Status, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Sets a model's status.");
        group.MapDelete("/models/{id}", async (string id, AiMlCoreManager m, CancellationToken ct) =>
                ManagerOperation.NoContentOrNotFound(await m.DeleteModelAsync(id, ct).ConfigureAwait(false), "model", id))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Deletes a model.");
        group.MapGet("/workflows", (AiMlCoreManager m) => TypedResults.Ok(m.CoreState.Workflows.Values)).WithSummary("ML workflows with their step statuses.");
        group.MapPost("/workflows/{id}/run", (string id, AiMlCoreManager m, CancellationToken cancellationToken) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.ExecuteWorkflowAsync(id, cancellationToken).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Runs an ML workflow.");
    }

    /// <summary>
    /// Parameters are free-form: the binder keeps each value as raw JSON without reading its strings, so a value with invalid
    /// UTF-8 or an unpaired surrogate escape reached the manager (a 500, or a lossy copy in its state). Every string is read here.
    /// </summary>
    private static bool IsWritableJson(Dictionary<string, object?>? parameters)
    {
        try
        {
            return parameters is null || parameters.Values.All(v => v is not JsonElement element || ReadsBack(element));
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        static bool ReadsBack(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        ReadsBack(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        ReadsBack(item);
                    }

                    break;
                case JsonValueKind.String:
                    _ = element.GetString(); // throws for invalid UTF-8 or an unpaired surrogate
                    break;
            }

            return true;
        }
    }

    internal sealed record ModelRequest(string Name, string Provider, string ModelId, string? Version = null, List<string>? Capabilities = null, Dictionary<string, object?>? Parameters = null);

    internal sealed record ModelStatusRequest(ModelStatus Status);
}
