using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using StateVault.Server.Diagnostics;

namespace StateVault.Server.Access;

/// <summary>Refuses <c>/api</c> requests from a client that failed authentication too often (429 with <c>Retry-After</c>).</summary>
internal sealed class FailedAuthenticationMiddleware(RequestDelegate next, FailedAuthenticationLimiter limiter, IProblemDetailsService problems, ILogger<FailedAuthenticationMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var client = context.Connection.RemoteIpAddress;
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) && limiter.IsBlocked(client, out var retryAfter))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            Log.AuthenticationThrottled(logger, client, seconds);
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many failed authentications",
                    Detail = $"This client presented too many invalid keys; try again in {seconds} s.",
                },
            }).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }
}
