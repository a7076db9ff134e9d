using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using StateVault.Server.Tests.Support;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>
/// The served OpenAPI document (<c>/openapi/v1.json</c>): equal to the committed <c>docs/openapi.json</c> (from which the API
/// client of <see cref="GeneratedClientTests"/> is generated), clean under Redocly's recommended rules, and describing what
/// the server does: an operationId and a role on every operation, the real success codes, every error as Problem Details.
/// </summary>
public sealed class OpenApiDocumentTests(OpenApiDocumentTests.Server fixture) : IClassFixture<OpenApiDocumentTests.Server>
{
    /// <summary>Set to 1 to rewrite <c>docs/openapi.json</c> from the served document instead of comparing.</summary>
    public const string UpdateVariable = "STATEVAULT_UPDATE_OPENAPI";

    private const string RefreshCommand =
        "STATEVAULT_UPDATE_OPENAPI=1 dotnet test test/StateVault.Server.Tests -c Release --filter FullyQualifiedName~OpenApiDocumentTests.OpenApiDocument_Served_EqualsCommittedCopy";

    // The committed copy names the default address; the served one names the address of the request.
    private const string CommittedServer = "http://127.0.0.1:5080";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed class Server : SharedServer;

    [Fact]
    public async Task OpenApiDocument_Served_EqualsCommittedCopy()
    {
        var served = await ServedAsync();
        served["servers"] = new JsonArray(new JsonObject { ["url"] = CommittedServer });
        var path = Repository.OpenApiDocument;
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, served.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n", Ct);
        }

        var committed = JsonNode.Parse(await File.ReadAllTextAsync(path, Ct));
        Assert.True(
            JsonNode.DeepEquals(served, committed),
            $"docs/openapi.json differs from the served document (a route, a type or a transformer changed). Refresh it with:\n{RefreshCommand}\nand commit it with the change.");
    }

    [Fact]
    public async Task OpenApiDocument_Served_HasNoErrorUnderRedoclyRecommended()
    {
        var root = Repository.Root;
        var redocly = root is null ? null : Path.Combine(root, "node_modules", "@redocly", "cli");
        if (redocly is null || !Directory.Exists(redocly))
        {
            Backend.Unavailable("Redocly CLI is not available: run 'npm ci' in the repository root (package.json names @redocly/cli).");
        }

        var file = Path.Combine(Path.GetTempPath(), "sv-openapi-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(file, (await ServedAsync()).ToJsonString(), Ct);
        try
        {
            var start = new ProcessStartInfo("node", [Path.Combine(root!, "node_modules", ".bin", "redocly"), "lint", file, "--format=json", "--extends=recommended"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetTempPath(), // no redocly.yaml of the caller's folder: the recommended rules alone
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(Ct);
            var stderr = process.StandardError.ReadToEndAsync(Ct);
            await process.WaitForExitAsync(Ct);
            var report = JsonNode.Parse(await stdout)!;
            var problems = report["problems"]!.AsArray()
                .Select(p => $"{p!["severity"]} {p["ruleId"]}: {p["message"]} at {p["location"]?[0]?["pointer"]}").ToList();
            var errors = report["totals"]!["errors"]!.GetValue<int>();
            Assert.True(errors == 0, $"Redocly found {errors} error(s):\n{string.Join('\n', problems)}\n{await stderr}");

            // What stays a warning, and why: a path parameter beside literal paths (/api/managers/{name}/state beside
            // /api/managers/dependencies/{name}) is DESIGN.md's route contract; anonymous probes have no 4xx answer.
            Assert.All(problems.Where(p => p.StartsWith("warn", StringComparison.Ordinal)), p => Assert.Matches("no-ambiguous-paths|operation-4xx-response: .* at #/paths/~1health", p));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task OpenApiDocument_EveryOperation_HasAnIdARoleAndProblemErrors()
    {
        var document = await ServedAsync();
        Assert.DoesNotContain(document["servers"]!.AsArray(), s => s!["url"]!.GetValue<string>().EndsWith('/'));
        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.DoesNotContain(schemas, s => s.Key.StartsWith("AnonymousType", StringComparison.Ordinal));
        Assert.Equal("object", schemas["ProblemDetails"]!["type"]!.GetValue<string>());

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var where = $"{method.ToUpperInvariant()} {path}";
                var id = operation!["operationId"]?.GetValue<string>();
                Assert.False(string.IsNullOrEmpty(id), $"{where} has no operationId");
                Assert.True(ids.Add(id!), $"{where}: operationId {id} is not unique");
                var responses = operation["responses"]!.AsObject();
                Assert.Contains(responses, r => r.Key.StartsWith('2'));
                if (path.StartsWith("/api/", StringComparison.Ordinal))
                {
                    var role = operation["x-required-role"]?.GetValue<string>();
                    Assert.True(role is "reader" or "writer" or "admin", $"{where} names no x-required-role");
                    Assert.Contains($"Required role: {role}", operation["description"]!.GetValue<string>(), StringComparison.Ordinal);
                    Assert.True(responses.ContainsKey("401"), $"{where} declares no 401");
                }

                foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5' && !path.StartsWith("/health", StringComparison.Ordinal)))
                {
                    var schema = response!["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>();
                    Assert.True(schema == "#/components/schemas/ProblemDetails", $"{where} {status} is not application/problem+json with the ProblemDetails schema");
                }
            }
        }

        // The success codes the routes really answer.
        Assert.NotNull(document["paths"]!["/api/systems/{system}/snapshots"]!["post"]!["responses"]!["201"]);
        Assert.NotNull(document["paths"]!["/api/systems/{system}/snapshots/{seq}/restore"]!["post"]!["responses"]!["201"]);
        Assert.NotNull(document["paths"]!["/api/systems/{system}/snapshots/{seq}"]!["delete"]!["responses"]!["204"]);
        Assert.NotNull(document["paths"]!["/api/keys"]!["post"]!["responses"]!["201"]);
        Assert.Null(document["paths"]!["/api/keys"]!["post"]!["responses"]!["200"]);
        Assert.Equal("admin", document["paths"]!["/api/keys"]!["post"]!["x-required-role"]!.GetValue<string>());
        Assert.NotNull(document["paths"]!["/health"]);
        Assert.NotNull(document["paths"]!["/metrics"]);
        Assert.All(document["tags"]!.AsArray(), t => Assert.False(string.IsNullOrWhiteSpace(t!["description"]?.GetValue<string>()), $"tag {t!["name"]} has no description"));
    }

    private async Task<JsonNode> ServedAsync()
    {
        using var client = fixture.Host.Client();
        return JsonNode.Parse(await client.GetStringAsync("openapi/v1.json", Ct))!;
    }
}
