using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using StateVault.Diagnostics;

namespace StateVault.Server.Hosting;

/// <summary>
/// The metrics <c>/metrics</c> exports (Prometheus text): the <c>StateVault</c> meter (its histograms carry their own bucket
/// boundaries as instrument advice), ASP.NET Core and Kestrel, the .NET runtime (GC, JIT, thread pool, exceptions) and the
/// process (CPU, memory, threads). The resource's <c>service.name</c> is <c>statevault</c> unless <c>OTEL_SERVICE_NAME</c>
/// (environment or configuration) names it otherwise.
/// </summary>
internal static class ServerTelemetry
{
    /// <summary>The service name when <c>OTEL_SERVICE_NAME</c> is not set.</summary>
    public const string DefaultServiceName = "statevault";

    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        var serviceName = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : DefaultServiceName;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: ServerUsage.Version))
            .WithMetrics(metrics => metrics
                .AddMeter(StateVaultMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddRuntimeInstrumentation()
                .AddProcessInstrumentation()
                .AddPrometheusExporter());
    }
}
