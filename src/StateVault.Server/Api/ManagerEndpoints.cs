using StateVault.Hosting;
using StateVault.Hosting.Ownership;
using StateVault.Server.Access;

namespace StateVault.Server.Api;

/// <summary><c>/api/managers</c>: the managers in this process, their live state, and operations on them.</summary>
internal static class ManagerEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/managers").WithTags("managers");
        group.MapGet("/", List).Produces<List<ManagerInfo>>().WithSummary("Every manager: name, system, status, health and main figures.");
        group.MapGet("/{name}", Get).Produces<ManagerInfo>().WithSummary("One manager.");
        group.MapGet("/{name}/state", GetState).Produces<System.Text.Json.JsonElement>(contentType: "application/json").WithSummary("The manager's live state, exactly as it would be saved (?system= for a manager with several).");
        group.MapPost("/{name}/save", SaveAsync).RequireAuthorization(AccessPolicies.Writer).Produces(StatusCodes.Status204NoContent).WithSummary("Saves every dirty system of the manager now; returns when acknowledged.");
    }

    internal static ManagerInfo Describe(IManagedComponent manager, IOwnershipView? ownership = null)
    {
        var system = manager.Systems.Count > 0 ? manager.Systems[0] : manager.Name;
        var info = new ManagerInfo(manager.Name, system, manager.Systems, manager.Status, HealthOf(manager.Status), manager.Summary);
        if (ownership is not { Enabled: true } || ownership.GetOwner(system) is not { } owner)
        {
            return info;
        }

        return info with
        {
            Owner = new ManagerOwner(owner.OwnerId, owner.OwnerUrl, string.Equals(owner.OwnerId, ownership.InstanceId, StringComparison.Ordinal)),
            OwnerSince = owner.SinceUtc,
        };
    }

    internal static string HealthOf(string status) => status switch
    {
        "online" or "idle" or "busy" => "healthy",
        "initializing" or "recovering" or "maintenance" or "shutting_down" => "degraded",
        _ => "unhealthy",
    };

    private static IResult List(IManagerRegistry managers, IOwnershipView ownership) =>
        TypedResults.Ok(managers.Managers.Select(m => Describe(m, ownership)).ToList());

    private static IResult Get(string name, IManagerRegistry managers, IOwnershipView ownership) =>
        managers.FindByName(name) is { } manager ? TypedResults.Ok(Describe(manager, ownership)) : NotFound(name);

    private static IResult GetState(string name, string? system, IManagerRegistry managers)
    {
        if (managers.FindByName(name) is not { } manager)
        {
            return NotFound(name);
        }

        system ??= manager.Systems.Count > 0 ? manager.Systems[0] : null;
        if (system is null || !manager.Systems.Contains(system, StringComparer.Ordinal))
        {
            return Problems.Create(StatusCodes.Status404NotFound, "System not owned", $"Manager '{name}' owns {string.Join(", ", manager.Systems)}.");
        }

        return TypedResults.Text(manager.CaptureState(system).ToJsonString(), "application/json");
    }

    private static async Task<IResult> SaveAsync(string name, IManagerRegistry managers, CancellationToken cancellationToken)
    {
        if (managers.FindByName(name) is not { } manager)
        {
            return NotFound(name);
        }

        await manager.SaveNowAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static IResult NotFound(string name) =>
        Problems.Create(StatusCodes.Status404NotFound, "No such manager", $"No manager is named '{(name.Length > 64 ? name[..64] : name)}'.");
}
