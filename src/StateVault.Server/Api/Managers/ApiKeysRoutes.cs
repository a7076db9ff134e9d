using StateVault.Managers.ApiKeys;
using StateVault.Server.Access;

namespace StateVault.Server.Api.Managers;

/// <summary>
/// <c>/api/managers/api_keys/…</c>: provider key metadata (provider, fingerprint, last four, validation) and security checks.
/// A provider key itself never leaves the process; server access keys are under <c>/api/keys</c>.
/// </summary>
internal static class ApiKeysRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/managers/api_keys").WithTags("managers: api_keys");
        group.MapGet("/provider-keys", (ApiKeysManager m) => TypedResults.Ok(m.ListProviderKeys())).WithSummary("Provider keys' metadata (never the keys).");
        group.MapPost("/provider-keys/{id}/validate", (string id, ApiKeysManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.ValidateProviderKeyAsync(id, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Validates a provider key's format.");
        group.MapDelete("/provider-keys/{id}", async (string id, ApiKeysManager m, CancellationToken ct) =>
                ManagerOperation.NoContentOrNotFound(await m.RemoveProviderKeyAsync(id, ct).ConfigureAwait(false), "provider key", id))
            .RequireAuthorization(AccessPolicies.Admin).WithSummary("Removes a provider key.");
        group.MapGet("/security-checks", (ApiKeysManager m) => TypedResults.Ok(m.State.SecurityChecks)).WithSummary("Recorded security checks (age, rotation due).");
        group.MapPost("/security-checks", (ApiKeysManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.RunSecurityChecksAsync(ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Runs the security checks now.");
        group.MapGet("/operations", (ApiKeysManager m) => TypedResults.Ok(m.State.KeyOperations)).WithSummary("Key operations.");
    }
}
