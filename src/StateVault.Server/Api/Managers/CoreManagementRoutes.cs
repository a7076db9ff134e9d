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
        group.MapPost("/components", (ComponentRequest body, CoreManager m) =>
                ManagerOperation.Run(() => TypedResults.Ok(m.RegisterComponent(body.Name, body.Type, body.Status ?? "offline"))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Registers a component.");
        group.MapDelete("/components/{name}", (string name, CoreManager m) => m.UnregisterComponent(name) ? Results.NoContent() : ManagerOperation.NotFound("component", name))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Unregisters a component.");
        group.MapGet("/config", (CoreManager m) => TypedResults.Ok(m.State.Config)).WithSummary("Configuration values.");
        group.MapPut("/config/{key}", (string key, ConfigRequest body, CoreManager m) => ManagerOperation.Run(() => { m.SetConfig(key, body.Value); return Results.NoContent(); }))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Sets a configuration value.");
        group.MapDelete("/config/{key}", (string key, CoreManager m) => m.RemoveConfig(key) ? Results.NoContent() : ManagerOperation.NotFound("configuration key", key))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Removes a configuration value.");
        group.MapGet("/operations", (CoreManager m) => TypedResults.Ok(m.State.SystemOperations)).WithSummary("System operations (startup, initialize, shutdown).");
    }

    internal sealed record ComponentRequest(string Name, string Type, string? Status = null);

    internal sealed record ConfigRequest(string Value);
}
