using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using StateVault.Managers.ApiKeys;

namespace StateVault.Server.Access;

/// <summary>The authorization policies of the API: each role includes the ones below it.</summary>
internal static class AccessPolicies
{
    public const string Scheme = "StateVaultKey";
    public const string Reader = "reader";
    public const string Writer = "writer";
    public const string Admin = "admin";
    public const string RoleClaim = "statevault:role";
    public const string KeyIdClaim = "statevault:key_id";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Reader, Require(AccessRole.Reader));
        options.AddPolicy(Writer, Require(AccessRole.Writer));
        options.AddPolicy(Admin, Require(AccessRole.Admin));
    }

    public static AccessRole? RoleOf(ClaimsPrincipal user) =>
        Enum.TryParse<AccessRole>(user.FindFirst(RoleClaim)?.Value, out var role) ? role : null;

    private static AuthorizationPolicy Require(AccessRole minimum) =>
        new AuthorizationPolicyBuilder(Scheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => RoleOf(context.User) is { } role && role >= minimum)
            .Build();
}
