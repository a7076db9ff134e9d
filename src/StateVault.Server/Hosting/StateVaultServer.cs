using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using StateVault.Diagnostics;
using StateVault.Hosting;
using StateVault.Managers.ApiKeys;
using StateVault.Server.Access;
using StateVault.Server.Api;
using StateVault.Server.Api.Managers;
using StateVault.Server.Diagnostics;
using StateVault.Server.Events;
using StateVault.Server.OpenApi;
using StateVault.Storage;

namespace StateVault.Server.Hosting;

/// <summary>
/// Builds the StateVault server: the HTTP API of DESIGN.md, raw envelope routes for <c>http://</c> stores, access keys,
/// <c>/health</c>, <c>/metrics</c>, <c>/openapi/v1.json</c> and the dashboard. <c>Program</c>, the CLI's <c>serve</c> and the
/// tests all go through <see cref="CreateBuilder"/> then <see cref="Build"/>, so they run the same server.
/// </summary>
/// <remarks>
/// <see cref="CreateBuilder"/> registers the engine, every store provider, the eight managers (StateVault.Hosting and
/// StateVault.Managers) and the API key manager as <see cref="IAccessKeyRegistry"/>; <see cref="RunAsync"/> does both calls
/// and runs the server until it is stopped.
/// </remarks>
public static class StateVaultServer
{
    /// <summary>The address the server listens on unless <c>--urls</c>, <c>ASPNETCORE_URLS</c> or <c>urls</c> says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The configuration key of the store URI (also <c>--store</c> and <c>STATEVAULT_STORE</c>).</summary>
    public const string StoreKey = "StateVault:Store";

    private static readonly string[] s_rawUrlCategories =
    [
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.Routing.Matching",
        "Microsoft.AspNetCore.StaticFiles",
        "Microsoft.AspNetCore.Server.Kestrel.BadRequests",
    ];

    private static readonly Dictionary<string, string?> s_logDefaults = new(StringComparer.Ordinal)
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
    };

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
        // Defaults under every other source, so appsettings, environment and command line still override them: no
        // per-request lines (ASP.NET Core logs each request at Information, with its full URL).
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = s_logDefaults });
        // These ASP.NET Core categories log the raw request path or line (Hosting: every request at Information; routing,
        // static files, Kestrel's bad requests: at Debug), where a key may be: held at Warning whatever is configured.
        // The server's own request log (StateVault.Server.Requests, Debug) logs the same requests redacted.
        foreach (var category in s_rawUrlCategories)
        {
            builder.Logging.AddFilter(category, LogLevel.Warning);
        }

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

        var app = builder.Build();

        // Open the store and start counting saves now, not at the first request: a bad store URI fails the start.
        app.Services.GetRequiredService<SnapshotVault>();
        app.Services.GetRequiredService<SaveStatistics>();

        var serverOptions = app.Services.GetRequiredService<IOptions<StateVaultServerOptions>>().Value;
        if (serverOptions.ReverseProxy.Enabled)
        {
            app.UseForwardedHeaders(ForwardedHeadersFor(serverOptions.ReverseProxy));
        }

        app.UseMiddleware<RequestLogMiddleware>();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<StateVault.Server.Ownership.OwnerForwardingMiddleware>();

        HealthEndpoints.Map(app);
        var metrics = app.MapPrometheusScrapingEndpoint("/metrics");
        if (!serverOptions.Metrics.AllowAnonymous)
        {
            metrics.RequireAuthorization(AccessPolicies.Reader);
        }

        app.MapOpenApi();

        var api = app.MapGroup("/api").RequireAuthorization(AccessPolicies.Reader).WithProblemResponses();
        SnapshotEndpoints.Map(api);
        EnvelopeEndpoints.Map(api);
        ManagerEndpoints.Map(api);
        CoreManagementRoutes.Map(api);
        HealthThresholdsRoutes.Map(api);
        SwarmIntegrationRoutes.Map(api);
        GamingAlertsRoutes.Map(api);
        DependenciesRoutes.Map(api);
        AiMlWorkflowsRoutes.Map(api);
        AiMlCoreRoutes.Map(api);
        ApiKeysRoutes.Map(api);
        KeyEndpoints.Map(api);
        EventEndpoints.Map(api);
        return app;
    }

    /// <summary>
    /// Runs the server until <paramref name="cancellationToken"/> is cancelled or the process is told to stop (Ctrl+C,
    /// SIGTERM): restores the managers, listens, and on stop saves every dirty manager before returning. Used by the
    /// server's <c>Program</c> and by <c>statevault serve</c>.
    /// </summary>
    /// <param name="args">Command-line arguments (<c>--store URI</c>, <c>--urls URL</c>, any configuration key as <c>--Key value</c>).</param>
    /// <param name="cancellationToken">Stops the server when cancelled.</param>
    /// <returns>
    /// 0 after a clean stop, or after printing the usage (<c>--help</c>, <c>-h</c>) or the version (<c>--version</c>) without
    /// starting anything; 1 when the server could not start (the reason is written to standard error).
    /// </returns>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        // Before anything is configured: asking for help must not create a folder, a store or a key.
        if (ServerUsage.AsksForHelp(args) || ServerUsage.AsksForVersion(args))
        {
            await Console.Out.WriteAsync(ServerUsage.AsksForHelp(args) ? ServerUsage.Text : ServerUsage.VersionLine).ConfigureAwait(false);
            return 0;
        }

        WebApplication app;
        try
        {
            app = Build(CreateBuilder(args));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or StateVaultException or OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"statevault server: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or StateVaultException or OptionsValidationException)
            {
                await Console.Error.WriteLineAsync($"statevault server: {ex.Message}").ConfigureAwait(false);
                return 1;
            }

            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                // Cancelled by the caller rather than by the host's own lifetime: stop (and save) here.
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        return 0;
    }

    private static void AddServices(IServiceCollection services, IConfiguration configuration, string storeUri)
    {
        services.AddOptions<StateVaultServerOptions>().Bind(configuration.GetSection(StateVaultServerOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StateVaultServerOptions>, StateVaultServerOptionsValidator>();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<StateVaultServerOptions>>((kestrel, server) =>
            kestrel.Limits.MaxRequestBodySize = server.Value.MaxRequestBodyBytes);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new ServerConsole(Console.Out, isInteractive: !Console.IsOutputRedirected));

        // Every store, so any store URI works (file: is built into the engine's factory).
        services.AddSqliteSnapshotStoreProvider();
        services.AddPostgreSqlSnapshotStoreProvider();
        services.AddS3SnapshotStoreProvider();
        services.AddHttpSnapshotStore();
        services.AddMirrorSnapshotStoreProvider();

        // The engine and the eight managers: hosting registers the ONE SnapshotVault over the configured store that the
        // managers save through and the API reads and writes, so the dashboard's save figures count the managers' saves.
        // The API key manager is the IAccessKeyRegistry.
        services.AddSingleton(new StoreLocation(storeUri));
        var samplingInterval = configuration.GetValue(
            StateVaultServerOptions.SectionName + ":" + nameof(StateVaultServerOptions.HostMetricsInterval),
            new StateVaultServerOptions().HostMetricsInterval);
        services.AddStateVault(configuration, options => options.Store = storeUri)
            .AddStateVaultManagers(configuration)
            .AddHostMetricsSampling(samplingInterval);

        services.AddSingleton<ServerEventHub>();
        services.AddSingleton<StateVault.Hosting.Ownership.ISystemLeaseProviderFactory, StateVault.Server.Ownership.StoreLeaseProviderFactory>();
        services.AddHttpClient(StateVault.Server.Ownership.OwnerForwardingMiddleware.ClientName, client => client.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton<SaveStatistics>();
        services.AddSingleton<FailedAuthenticationLimiter>();
        services.AddHostedService<FirstStartService>();

        services.AddProblemDetails();
        // A parameter that does not bind throws, so ApiExceptionHandler names it and its form (else: a bare "Bad Request").
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        // After the default writer: answers in problem+json when the client's Accept names no JSON type (else: a 500).
        services.AddSingleton<IProblemDetailsWriter, FallbackProblemDetailsWriter>();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });

        services.AddAuthentication(AccessPolicies.Scheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, AccessKeyAuthenticationHandler>(AccessPolicies.Scheme, null);
        services.AddAuthorization(AccessPolicies.Add);

        // Hosting registers the store's check and one per manager.
        services.AddHealthChecks().AddCheck<ManagersHealthCheck>("managers")
            .AddCheck<ReadinessHealthCheck>(ReadinessHealthCheck.Name, tags: [ReadinessHealthCheck.Tag]);
        ServerTelemetry.Add(services, configuration);
        services.AddStateVaultOpenApi();
    }

    private static ForwardedHeadersOptions ForwardedHeadersFor(ReverseProxyOptions proxy)
    {
        // Only the nearest forwarded address, and only from the configured proxies (loopback when none is named).
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = 1,
        };
        if (proxy.KnownProxies.Count > 0)
        {
            forwarded.KnownProxies.Clear();
            foreach (var address in proxy.KnownProxies)
            {
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(address));
            }
        }

        return forwarded;
    }
}
