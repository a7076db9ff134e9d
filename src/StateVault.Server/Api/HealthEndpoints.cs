using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StateVault.Server.Hosting;

namespace StateVault.Server.Api;

/// <summary>
/// The probes: <c>GET /health</c> (every check but readiness; Degraded is still 200), <c>GET /health/live</c> (the process
/// answers: always 200) and <c>GET /health/ready</c> (<see cref="ReadinessHealthCheck"/>: 503 when not ready). Anonymous
/// callers get <c>{"status": …}</c> only; a request with a valid key (any role) also gets each check's description and data,
/// which can name the store, its paths and the store's error.
/// </summary>
internal static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            Predicate = r => !r.Tags.Contains(ReadinessHealthCheck.Tag),
            ResponseWriter = WriteAsync,
        }).WithTags("health");
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = WriteAsync,
        }).WithTags("health");
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(ReadinessHealthCheck.Tag),
            ResponseWriter = WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).WithTags("health");
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return context.Response.WriteAsJsonAsync(new { status = report.Status.ToString() });
        }

        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data.ToDictionary(d => d.Key, d => Text(d.Value)),
            }),
        });
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string text => text,
        IEnumerable<string> items => string.Join(", ", items),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
