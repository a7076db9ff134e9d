using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using StateVault.Managers.ApiKeys;
using StateVault.Server.Diagnostics;

namespace StateVault.Server.Access;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> through <see cref="IAccessKeyRegistry.ValidateAccessKey"/>
/// (salted hashes, constant-time comparison). A presented key that is wrong counts against the client's failure window.
/// The key is never logged: only the client address and why it failed.
/// </summary>
internal sealed class AccessKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IAccessKeyRegistry keys,
    FailedAuthenticationLimiter limiter,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        if (header.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var value = header.Count == 1 ? header[0] : null;
        if (value is null || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || value.Length == BearerPrefix.Length)
        {
            return Task.FromResult(Failed("malformed Authorization header (expected 'Bearer <key>')"));
        }

        var info = keys.ValidateAccessKey(value[BearerPrefix.Length..].Trim());
        if (info is null)
        {
            return Task.FromResult(Failed("unknown or revoked key"));
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(AccessPolicies.KeyIdClaim, info.Id),
                new Claim(AccessPolicies.RoleClaim, info.Role.ToString()),
                new Claim(ClaimTypes.Role, info.Role.ToString()),
            ],
            Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required", "Send 'Authorization: Bearer <key>' with a valid StateVault access key.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var role = AccessPolicies.RoleOf(Context.User)?.ToString().ToLowerInvariant() ?? "none";
        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Role too low", $"This operation needs a higher role than the key's ({role}).");
    }

    private AuthenticateResult Failed(string reason)
    {
        var client = Context.Connection.RemoteIpAddress;
        limiter.RecordFailure(client);
        Log.AuthenticationFailed(Logger, client, reason);
        return AuthenticateResult.Fail(reason);
    }

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}
