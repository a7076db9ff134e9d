using StateVault.Managers.Core;
using StateVault.Server.Access;

namespace StateVault.Server.Api.Managers;

/// <summary><c>/api/managers/core_management/…</c>: the component registry, configuration and system operations.</summary>
internal static class CoreManagementRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/managers/core_management").WithTags("managers: core_management");
        group.MapGet("/components", (CoreManager m) => TypedResults.Ok(m.GetStatusAll())).WithSummary("Every component with type and status.");
        group.MapPost("/components", (ComponentRequest body, CoreManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.RegisterComponentAsync(body.Name, body.Type, body.Status ?? "offline", ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Registers a component.");
        group.MapDelete("/components/{name}", async (string name, CoreManager m, CancellationToken ct) => ManagerOperation.NoContentOrNotFound(await m.UnregisterComponentAsync(name, ct).ConfigureAwait(false), "component", name))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Unregisters a component.");
        group.MapGet("/config", (CoreManager m) => TypedResults.Ok(m.State.Config)).WithSummary("Configuration values.");
        group.MapPut("/config/{key}", (string key, ConfigRequest body, CoreManager m, CancellationToken ct) => ManagerOperation.RunAsync(async () =>
            {
                await m.SetConfigAsync(key, body.Value, ct).ConfigureAwait(false);
                return TypedResults.NoContent();
            }))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Sets a configuration value.");
        group.MapDelete("/config/{key}", async (string key, CoreManager m, CancellationToken ct) => ManagerOperation.NoContentOrNotFound(await m.RemoveConfigAsync(key, ct).ConfigureAwait(false), "configuration key", key))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Removes a configuration value.");
        group.MapGet("/operations", (CoreManager m) => TypedResults.Ok(m.State.SystemOperations)).WithSummary("System operations (startup, initialize, shutdown).");
    }

    internal sealed record ComponentRequest(string Name, string Type, string? Status = null);

    internal sealed record ConfigRequest(string Value);
}
