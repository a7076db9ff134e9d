using StateVault.Managers.HealthThresholds;
using StateVault.Server.Access;

namespace StateVault.Server.Api.Managers;

/// <summary><c>/api/managers/health_thresholds/…</c>: thresholds per metric, evaluation and the latest samples.</summary>
internal static class HealthThresholdsRoutes
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/managers/health_thresholds").WithTags("managers: health_thresholds");
        group.MapGet("/thresholds", (HealthThresholdsManager m) => TypedResults.Ok(m.ListThresholds())).WithSummary("Every threshold.");
        group.MapGet("/thresholds/{metric}", (string metric, HealthThresholdsManager m) =>
            ManagerOperation.OkOrNotFound(m.GetThreshold(metric), "threshold", metric)).WithSummary("One threshold.");
        group.MapPut("/thresholds/{metric}", (string metric, ThresholdRequest body, HealthThresholdsManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(await m.SetThresholdAsync(metric, body.Warning, body.Critical, body.Direction, body.Unit, ct).ConfigureAwait(false))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Sets a threshold (custom thresholds survive restarts).");
        group.MapDelete("/thresholds/{metric}", async (string metric, HealthThresholdsManager m, CancellationToken ct) =>
                ManagerOperation.NoContentOrNotFound(await m.RemoveThresholdAsync(metric, ct).ConfigureAwait(false), "threshold", metric))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Removes a threshold.");
        group.MapPost("/thresholds/reset", async (HealthThresholdsManager m, CancellationToken ct) =>
            {
                await m.ResetToDefaultsAsync(ct).ConfigureAwait(false);
                return TypedResults.Ok(m.ListThresholds());
            })
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Back to the default thresholds.");
        group.MapPost("/evaluate", (MetricValue body, HealthThresholdsManager m, CancellationToken ct) =>
                ManagerOperation.RunAsync(async () => TypedResults.Ok(new LevelResult(body.Metric, body.Value, await m.EvaluateAsync(body.Metric, body.Value, ct).ConfigureAwait(false)))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Evaluates a value: good, warning, critical or unknown (recorded as a validation operation).");
        group.MapGet("/samples", (HealthThresholdsManager m) => TypedResults.Ok(m.LatestSamples)).WithSummary("The latest sample of each metric.");
        group.MapPost("/samples", (MetricValue body, HealthThresholdsManager m) =>
                ManagerOperation.Run(() => TypedResults.Ok(new LevelResult(body.Metric, body.Value, m.RecordSample(body.Metric, body.Value)))))
            .RequireAuthorization(AccessPolicies.Writer).WithSummary("Records a sample and evaluates it (telemetry: kept in memory and /metrics, never stored).");
    }

    internal sealed record ThresholdRequest(double Warning, double Critical, ThresholdDirection? Direction = null, string? Unit = null);

    internal sealed record MetricValue(string Metric, double Value);

    internal sealed record LevelResult(string Metric, double Value, HealthLevel Level);
}
