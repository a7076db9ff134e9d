using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using OpenTelemetry.Metrics;
using StateVault.Diagnostics;
using StateVault.Hosting;
using StateVault.Managers.ApiKeys;
using StateVault.Server.Access;
using StateVault.Server.Api;
using StateVault.Server.Diagnostics;
using StateVault.Server.Events;
using StateVault.Storage;

namespace StateVault.Server.Hosting;

/// <summary>
/// Builds the StateVault server: the HTTP API of DESIGN.md, raw envelope routes for <c>http://</c> stores, access keys,
/// <c>/health</c>, <c>/metrics</c>, <c>/openapi/v1.json</c> and the dashboard. <c>Program</c>, the CLI's <c>serve</c> and the
/// tests all go through <see cref="CreateBuilder"/> then <see cref="Build"/>, so they run the same server.
/// </summary>
/// <remarks>
/// Between the two calls the composition root registers the managers (<see cref="IManagerRegistry"/>, optional) and the
/// access key registry (<see cref="IAccessKeyRegistry"/>, required).
/// </remarks>
public static class StateVaultServer
{
    /// <summary>The address the server listens on unless <c>--urls</c>, <c>ASPNETCORE_URLS</c> or <c>urls</c> says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The configuration key of the store URI (also <c>--store</c> and <c>STATEVAULT_STORE</c>).</summary>
    public const string StoreKey = "StateVault:Store";

    /// <summary>
    /// Creates a builder with configuration (command line <c>--store URI</c>, <c>--urls</c>, environment
    /// <c>STATEVAULT_STORE</c>, section <c>StateVault:Server</c>) and every service of the server registered.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            WebRootPath = Directory.Exists(webRoot) ? webRoot : null,
        });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--store"] = StoreKey });
        if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var storeUri = builder.Configuration[StoreKey] is { Length: > 0 } configured ? configured
            : builder.Configuration["STATEVAULT_STORE"] is { Length: > 0 } fromEnvironment ? fromEnvironment
            : SnapshotStoreFactory.DefaultUri;
        AddServices(builder.Services, builder.Configuration, storeUri);
        return builder;
    }

    /// <summary>Builds the application: middleware and every route. Fails when no <see cref="IAccessKeyRegistry"/> is registered.</summary>
    /// <exception cref="InvalidOperationException">No access key registry is registered, or the store cannot be opened.</exception>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Services.Any(d => d.ServiceType == typeof(IAccessKeyRegistry)))
        {
            throw new InvalidOperationException(
                "No IAccessKeyRegistry is registered. The server needs the API key manager (StateVault.Managers) to check access keys.");
        }

        builder.Services.TryAddSingleton<IManagerRegistry, NoManagerRegistry>();
        var app = builder.Build();

        // Open the store and start counting saves now, not at the first request: a bad store URI fails the start.
        app.Services.GetRequiredService<SnapshotVault>();
        app.Services.GetRequiredService<SaveStatistics>();

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<FailedAuthenticationMiddleware>();
        app.Use(static (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            {
                headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
                headers.CacheControl = "no-cache";
            }

            return next(context);
        });
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync }).WithTags("health");
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi();

        var api = app.MapGroup("/api").RequireAuthorization(AccessPolicies.Reader);
        SnapshotEndpoints.Map(api);
        EnvelopeEndpoints.Map(api);
        ManagerEndpoints.Map(api);
        KeyEndpoints.Map(api);
        EventEndpoints.Map(api);
        return app;
    }

    private static void AddServices(IServiceCollection services, IConfiguration configuration, string storeUri)
    {
        services.AddOptions<StateVaultServerOptions>().Bind(configuration.GetSection(StateVaultServerOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StateVaultServerOptions>, StateVaultServerOptionsValidator>();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<StateVaultServerOptions>>((kestrel, server) =>
            kestrel.Limits.MaxRequestBodySize = server.Value.MaxRequestBodyBytes);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new ServerConsole(Console.Out));

        // The engine: one vault over the configured store, shared by the API and the managers.
        services.AddSingleton(new StoreLocation(storeUri));
        services.AddHttpSnapshotStore();
        services.AddOptions<SnapshotVaultOptions>();
        services.TryAddSingleton(sp => new SnapshotStoreFactory(sp.GetServices<ISnapshotStoreProvider>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new SnapshotVault(
            sp.GetRequiredService<SnapshotStoreFactory>().Open(storeUri),
            sp.GetRequiredService<IOptions<SnapshotVaultOptions>>().Value,
            sp.GetRequiredService<ILogger<SnapshotVault>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            ownsStore: true));

        services.AddSingleton<ServerEventHub>();
        services.AddSingleton<SaveStatistics>();
        services.AddSingleton<FailedAuthenticationLimiter>();
        services.AddHostedService<FirstStartService>();

        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });

        services.AddAuthentication(AccessPolicies.Scheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, AccessKeyAuthenticationHandler>(AccessPolicies.Scheme, null);
        services.AddAuthorization(AccessPolicies.Add);

        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store")
            .AddCheck<ManagersHealthCheck>("managers");
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(StateVaultMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "StateVault";
            document.Info.Description = "Versioned, checksummed snapshots of the managers' state. Every /api route needs 'Authorization: Bearer <key>' "
                + "(roles reader < writer < admin). The /api/envelopes and /api/systems/{system}/envelopes routes are the raw store behind http:// store URIs.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A StateVault access key (svk_…).",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
            return Task.CompletedTask;
        }));
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }
}
