using StateVault.Managers.Dependencies;
using StateVault.Server.Access;

namespace StateVault.Server.Api.Managers;

/// <summary><c>/api/managers/dependencies/…</c>: declared dependencies, checks and failures.</summary>
internal static class DependenciesRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/managers/dependencies").WithTags("managers: dependencies");
        group.MapGet("/", (DependenciesManager m) => TypedResults.Ok(m.State.Dependencies.Values)).WithSummary("Declared dependencies with their last result.");
        group.MapGet("/failed", (DependenciesManager m) => TypedResults.Ok(new FailedDependencies(m.State.FailedDependencies.Values, m.CriticalFailures))).WithSummary("Failed dependencies.");
        group.MapPost("/", (DependencyRequest body, DependenciesManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.DeclareAsync(body.Name, body.Kind, body.Target, body.Critical, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Declares a dependency (assembly, tcp or store).");
        group.MapDelete("/{name}", async (string name, DependenciesManager m, CancellationToken ct) =>
                ManagerOperation.NoContentOrNotFound(await m.UndeclareAsync(name, ct).ConfigureAwait(false), "dependency", name))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Removes a dependency.");
        group.MapPost("/{name}/check", (string name, bool? force, DependenciesManager m, CancellationToken cancellationToken) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.CheckAsync(name, force ?? false, cancellationToken).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Checks one dependency (cached unless ?force=true).");
        group.MapPost("/check", (bool? force, DependenciesManager m, CancellationToken cancellationToken) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.CheckAllAsync(force ?? false, cancellationToken).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Checks every dependency.");
    }

    /// <summary>Body of <c>GET …/failed</c>: the failed dependencies and the names of the critical ones among them.</summary>
    internal sealed record FailedDependencies(IEnumerable<FailedDependency> Failed, IReadOnlyList<string> Critical);

    internal sealed record DependencyRequest(string Name, DependencyKind Kind, string Target, bool Critical = false);
}
