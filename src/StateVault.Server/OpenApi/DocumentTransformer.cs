using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using StateVault.Managers.ApiKeys;

namespace StateVault.Server.OpenApi;

/// <summary>
/// The document as a whole: title, license, the bearer scheme, tag descriptions, a server URL without a trailing slash, and
/// the routes outside the API's route handlers (<c>/health</c>, <c>/health/live</c>, <c>/health/ready</c>, <c>/metrics</c>),
/// each documented only when the server maps it.
/// </summary>
internal sealed class DocumentTransformer : IOpenApiDocumentTransformer
{
    private const string BearerScheme = "bearer";
    private const string ProblemSchema = "ProblemDetails";
    private const string HealthSchema = "HealthStatus";

    private static readonly Dictionary<string, string> s_tags = new(StringComparer.Ordinal)
    {
        ["snapshots"] = "Systems and their snapshots: list, read the state (ETag = sequence), save, restore, delete, diff, verify, prune.",
        ["envelopes"] = "The raw store behind http:// store URIs: envelope bytes exactly as stored, create-only and compare-and-set writes.",
        ["keys"] = "Server access keys (admin): list, create (the key is in the answer, once), revoke; and the presented key's own role.",
        ["events"] = "Live updates as server-sent events (saves, restores, deletes, manager changes).",
        ["managers"] = "The managers hosted by this server: status, live state, save now.",
        ["managers: core_management"] = "Core management: component registry, configuration values, system operations.",
        ["managers: health_thresholds"] = "Health thresholds: thresholds per metric, evaluation, latest samples.",
        ["managers: swarm_integration"] = "Swarm integration: agents, coordination tasks, messages, integration metrics.",
        ["managers: gaming_alerts"] = "Gaming alerts: performance samples, alerts (acknowledge, resolve), thresholds.",
        ["managers: dependencies"] = "Dependencies: declared dependencies, checks and failures.",
        ["managers: ai_ml_workflows"] = "AI/ML workflows: workflow definitions, runs and step statistics.",
        ["managers: ai_ml_core"] = "AI/ML core: the model registry and ML workflows.",
        ["managers: api_keys"] = "Provider API keys: metadata only (never a key), validation and security checks.",
        ["health"] = "Health and probes for load balancers and orchestrators (anonymous answers carry the status only).",
        ["metrics"] = "Prometheus metrics.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "StateVault";
        document.Info.Description = "Versioned, checksummed snapshots of the managers' state. Every /api route needs 'Authorization: Bearer <key>' "
            + "(roles reader < writer < admin; each operation names its role in x-required-role). Every error is a Problem Details body "
            + "(RFC 9457, application/problem+json). The /api/envelopes and /api/systems/{system}/envelopes routes are the raw store behind http:// store URIs.";
        document.Info.License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" };

        foreach (var server in document.Servers ?? [])
        {
            if (server.Url is { Length: > 1 } url && url.EndsWith('/'))
            {
                server.Url = url.TrimEnd('/');
            }
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A StateVault access key (svk_…), created with `statevault keys create --role reader|writer|admin` or POST /api/keys.",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];

        AddProbesAndMetrics(document, context);

        document.Tags ??= new HashSet<OpenApiTag>();
        var used = (document.Paths ?? []).Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []).SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>())
            .Select(t => t.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var name in used)
        {
            if (document.Tags.FirstOrDefault(t => t.Name == name) is not { } tag)
            {
                tag = new OpenApiTag { Name = name };
                document.Tags.Add(tag);
            }

            tag.Description ??= s_tags.GetValueOrDefault(name);
        }

        return Task.CompletedTask;
    }

    private static void AddProbesAndMetrics(OpenApiDocument document, OpenApiDocumentTransformerContext context)
    {
        var endpoints = context.ApplicationServices.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .GroupBy(e => "/" + (e.RoutePattern.RawText ?? string.Empty).Trim('/'), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        var probes = new (string Path, string OperationId, string Summary, string Description)[]
        {
            ("/health", "getHealth", "Overall health: the store's check and one per manager.",
                "200 when healthy or degraded, 503 when unhealthy. Anonymous callers get the status; the checks' details need a reader key."),
            ("/health/live", "getHealthLive", "Liveness probe: the process is up and answering.",
                "200 while the process serves requests. Anonymous; the answer carries the status only."),
            ("/health/ready", "getHealthReady", "Readiness probe: restore finished, the store is reachable, no system is pending too long.",
                "200 when the instance should get traffic, 503 when not. Anonymous; the answer carries the status only."),
        };
        foreach (var (path, operationId, summary, description) in probes)
        {
            if (!endpoints.ContainsKey(path))
            {
                continue;
            }

            document.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            document.Components.Schemas.TryAdd(HealthSchema, new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "A health answer: the status, and (for a reader key on /health) each check.",
                Required = new HashSet<string> { "status" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["status"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Healthy, Degraded or Unhealthy." },
                },
                AdditionalProperties = new OpenApiSchema(),
            });
            var answer = new OpenApiMediaType { Schema = new OpenApiSchemaReference(HealthSchema, document) };
            AddGet(document, path, new OpenApiOperation
            {
                OperationId = operationId,
                Summary = summary,
                Description = description,
                Tags = new HashSet<OpenApiTagReference> { new("health", document) },
                Security = [],
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse { Description = "Healthy (or, for /health, degraded).", Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = answer } },
                    ["503"] = new OpenApiResponse { Description = "Not healthy or not ready.", Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = answer } },
                },
            });
        }

        if (endpoints.TryGetValue("/metrics", out var metrics))
        {
            var role = ProblemResponses.RequiredRole(metrics.Metadata);
            var operation = new OpenApiOperation
            {
                OperationId = "getMetrics",
                Summary = "Prometheus metrics (text exposition format).",
                Description = role is null
                    ? "Anonymous (StateVault:Server:Metrics:AllowAnonymous is true)."
                    : "Needs a reader key unless StateVault:Server:Metrics:AllowAnonymous is true.",
                Tags = new HashSet<OpenApiTagReference> { new("metrics", document) },
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse
                    {
                        Description = "The metrics.",
                        Content = new Dictionary<string, OpenApiMediaType> { ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
                    },
                },
            };
            if (role is null)
            {
                operation.Security = [];
            }
            else
            {
                operation.Extensions = new Dictionary<string, IOpenApiExtension>
                {
                    [OperationTransformer.RequiredRoleExtension] = new JsonNodeExtension(System.Text.Json.Nodes.JsonValue.Create(AccessRole.Reader.ToString().ToLowerInvariant())),
                };
                foreach (var status in (string[])["401", "429"])
                {
                    operation.Responses[status] = new OpenApiResponse
                    {
                        Description = status == "401" ? "No valid key." : "Too many failed authentications from this client.",
                        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) } },
                    };
                }
            }

            AddGet(document, "/metrics", operation);
        }
    }

    private static void AddGet(OpenApiDocument document, string path, OpenApiOperation operation)
    {
        document.Paths ??= [];
        if (!document.Paths.ContainsKey(path))
        {
            document.Paths[path] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation } };
        }
    }
}
