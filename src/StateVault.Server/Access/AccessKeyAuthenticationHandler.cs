using System.Globalization;
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
/// (salted hashes, constant-time comparison). A valid key is always authenticated. A presented key that is wrong counts
/// against the failure windows of the client's address and of the key id it names (<see cref="FailedAuthenticationLimiter"/>);
/// beyond the limit the challenge is a 429 instead of a 401. The key is never logged: only the client address and why it failed.
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
    private static readonly object s_throttledKey = new();
    private static readonly object s_bearerErrorKey = new();

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
            Context.Items[s_bearerErrorKey] = "error=\"invalid_request\", error_description=\"Expected 'Authorization: Bearer <key>'\"";
            return Task.FromResult(Failed("malformed Authorization header (expected 'Bearer <key>')", keyId: null));
        }

        var presented = value[BearerPrefix.Length..].Trim();
        var info = keys.ValidateAccessKey(presented);
        if (info is null)
        {
            Context.Items[s_bearerErrorKey] = "error=\"invalid_token\", error_description=\"The access key is unknown or revoked\"";
            return Task.FromResult(Failed("unknown or revoked key", ExistingKeyId(presented)));
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
        if (Context.Items[s_throttledKey] is TimeSpan retryAfter)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return WriteProblemAsync(StatusCodes.Status429TooManyRequests, "Too many failed authentications", $"Too many invalid keys came from this client or named this key; try again in {seconds} s.");
        }

        // RFC 6750 section 3: a request without credentials gets the bare challenge; one whose key was wrong learns why.
        if (Context.Items[s_bearerErrorKey] is string error)
        {
            Response.Headers.WWWAuthenticate = "Bearer " + error;
            return WriteProblemAsync(StatusCodes.Status401Unauthorized, "Invalid access key", "The key sent in 'Authorization: Bearer <key>' is not a valid StateVault access key (unknown, revoked or malformed).");
        }

        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required", "Send 'Authorization: Bearer <key>' with a valid StateVault access key.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var role = AccessPolicies.RoleOf(Context.User)?.ToString().ToLowerInvariant() ?? "none";
        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Role too low", $"This operation needs a higher role than the key's ({role}).");
    }

    /// <summary>The id of an existing key that <paramref name="presented"/> names (<c>svk_&lt;id&gt;_…</c>), if any.</summary>
    private string? ExistingKeyId(string presented)
    {
        const int IdLength = 12;
        var prefix = ApiKeysManager.AccessKeyPrefix;
        if (presented.Length <= prefix.Length + IdLength || !presented.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var id = presented.Substring(prefix.Length, IdLength);
        return keys.ListAccessKeys().Any(k => string.Equals(k.Id, id, StringComparison.Ordinal)) ? id : null;
    }

    private AuthenticateResult Failed(string reason, string? keyId)
    {
        var client = Context.Connection.RemoteIpAddress;
        limiter.RecordFailure(client, keyId, out var verdict);
        if (verdict.Refuse)
        {
            Context.Items[s_throttledKey] = verdict.RetryAfter;
            if (verdict.JustCrossed)
            {
                Log.AuthenticationThrottled(Logger, client, (int)Math.Ceiling(verdict.RetryAfter.TotalSeconds));
            }
        }
        else
        {
            Log.AuthenticationFailed(Logger, client, reason);
        }

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
