using StateVault.Managers.GamingAlerts;
using StateVault.Server.Access;

namespace StateVault.Server.Api.Managers;

/// <summary><c>/api/managers/gaming_alerts/…</c>: performance samples, alerts (acknowledge, resolve), summary and thresholds.</summary>
internal static class GamingAlertsRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/managers/gaming_alerts").WithTags("managers: gaming_alerts");
        group.MapGet("/alerts", (string? gameSystem, AlertSeverity? severity, GamingAlertsManager m) => TypedResults.Ok(m.GetActiveAlerts(gameSystem, severity)))
            .WithSummary("Active alerts (?gameSystem=, ?severity=).");
        group.MapGet("/alerts/summary", (GamingAlertsManager m) => TypedResults.Ok(m.GetSummary())).WithSummary("Open alerts by severity, type and system.");
        group.MapGet("/alerts/stale", (double? staleAfterSeconds, GamingAlertsManager m) =>
                staleAfterSeconds is { } s && !(double.IsFinite(s) && s is >= 0 and <= MaxStaleAfterSeconds)
                    ? new ManagerOperation.Refusal(Problems.Create(StatusCodes.Status400BadRequest, "Invalid staleAfterSeconds", $"staleAfterSeconds must be a number of seconds from 0 to {MaxStaleAfterSeconds:0}."))
                    : ManagerOperation.Run(() => TypedResults.Ok(m.FindStaleAlerts(staleAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null))))
            .WithSummary("Active alerts not updated for a while (?staleAfterSeconds=, 0 to 100 years).");
        group.MapGet("/alerts/history", (GamingAlertsManager m) => TypedResults.Ok(m.State.AlertHistory)).WithSummary("Resolved alerts.");
        group.MapPost("/samples", (PerformanceSample body, GamingAlertsManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.CheckPerformanceAsync(body.GameSystem, body.Metrics, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Checks a performance sample of a game system; creates or updates alerts.");
        group.MapPost("/alerts/{id}/acknowledge", async (string id, Acknowledgement? body, GamingAlertsManager m, CancellationToken ct) =>
                ManagerOperation.NoContentOrNotFound(await m.AcknowledgeAsync(id, body?.By ?? "api", ct).ConfigureAwait(false), "active alert", id))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Acknowledges an alert.");
        group.MapPost("/alerts/{id}/resolve", async (string id, GamingAlertsManager m, CancellationToken ct) =>
                ManagerOperation.NoContentOrNotFound(await m.ResolveAsync(id, ct).ConfigureAwait(false), "active alert", id))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Resolves an alert (moved to history).");
        group.MapPost("/alerts/clear-resolved", async (GamingAlertsManager m, CancellationToken ct) => TypedResults.Ok(new ClearedAlerts(await m.ClearResolvedAsync(ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Clears the history of resolved alerts.");
        group.MapGet("/thresholds", (GamingAlertsManager m) => TypedResults.Ok(m.State.Thresholds.Values)).WithSummary("Thresholds per metric.");
        group.MapPut("/thresholds/{metric}", (string metric, ThresholdRequest body, GamingAlertsManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.SetThresholdAsync(new GamingThreshold
                {
                    Metric = metric,
                    Comparison = body.Comparison,
                    Medium = body.Medium,
                    High = body.High,
                    Critical = body.Critical,
                    Unit = body.Unit ?? string.Empty,
                    AlertType = body.AlertType ?? default,
                }, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Sets a threshold.");
    }

    // 100 years: far beyond any alert's age, far below TimeSpan's overflow (1e300 seconds was a 500).
    private const double MaxStaleAfterSeconds = 100 * 365.25 * 24 * 3600;

    internal sealed record PerformanceSample(string GameSystem, Dictionary<string, double> Metrics);

    internal sealed record ThresholdRequest(ThresholdComparison Comparison, double Medium, double High, double Critical, string? Unit = null, AlertType? AlertType = null);

    /// <summary>Body of <c>POST …/alerts/clear-resolved</c>: how many resolved alerts were cleared.</summary>
    internal sealed record ClearedAlerts(int Cleared);

    internal sealed record Acknowledgement(string? By);
}
