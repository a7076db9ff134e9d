using StateVault.Managers.ApiKeys;
using StateVault.Server.Access;
using StateVault.Server.Diagnostics;
using StateVault.Server.Events;

namespace StateVault.Server.Api;

/// <summary><c>/api/keys</c> (admin): list, create (the key is in the answer, once) and revoke access keys.</summary>
internal static class KeyEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/whoami", (HttpContext context) => TypedResults.Ok(new WhoAmI(
                context.User.FindFirst(AccessPolicies.KeyIdClaim)?.Value ?? "",
                AccessPolicies.RoleOf(context.User) ?? AccessRole.Reader)))
            .WithTags("keys")
            .WithSummary("The presented key's id and role (the dashboard shows only what the role may do).");
        var group = api.MapGroup("/keys").WithTags("keys").RequireAuthorization(AccessPolicies.Admin);
        group.MapGet("/", (IAccessKeyRegistry keys) => TypedResults.Ok(keys.ListAccessKeys())).WithSummary("Every key's metadata (never a key).");
        group.MapPost("/", CreateAsync).Produces<CreatedAccessKey>(StatusCodes.Status201Created).WithSummary("Creates a key; the answer holds the key, shown once and stored only as a salted hash.");
        group.MapDelete("/{id}", RevokeAsync).Produces(StatusCodes.Status204NoContent).WithSummary("Revokes a key.");
    }

    private static async Task<IResult> CreateAsync(CreateKeyRequest? request, IAccessKeyRegistry keys, ServerEventHub events, ILogger<IAccessKeyRegistry> logger, CancellationToken cancellationToken)
    {
        if (request is null || !Enum.IsDefined(request.Role))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Invalid key request", "Send {\"role\": \"reader\" | \"writer\" | \"admin\", \"description\": \"…\"}.");
        }

        var created = await keys.CreateAccessKeyAsync(request.Role, request.Description, cancellationToken).ConfigureAwait(false);
        Log.KeyCreated(logger, created.Info.Id, created.Info.Role.ToString());
        events.Publish(new ServerEvent("keys"));
        return TypedResults.Created($"/api/keys/{created.Info.Id}", created);
    }

    private static async Task<IResult> RevokeAsync(string id, IAccessKeyRegistry keys, ServerEventHub events, ILogger<IAccessKeyRegistry> logger, CancellationToken cancellationToken)
    {
        if (!await keys.RevokeAccessKeyAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return Problems.Create(StatusCodes.Status404NotFound, "No such key", "No key has that id.");
        }

        Log.KeyRevoked(logger, id);
        events.Publish(new ServerEvent("keys"));
        return TypedResults.NoContent();
    }
}
