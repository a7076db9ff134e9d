using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>
/// What an error answer tells a client: the parameter and the form it expects, never .NET's own texts or a server path, with
/// the security headers kept and a <c>WWW-Authenticate</c> that says why.
/// </summary>
public sealed class ErrorResponseTests(ErrorResponseTests.Server server) : IClassFixture<ErrorResponseTests.Server>
{
    private readonly ServerHost _sut = server.Host;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed class Server : SharedServer
    {
        protected override IDictionary<string, string> Settings => new Dictionary<string, string>
        {
            ["StateVault:Server:MaxRequestBodyBytes"] = "65536",
            ["StateVault:Server:FailedAuthenticationLimit"] = "1000",
        };
    }

    /// <summary>Every query parameter of every route whose value has a form (a number, a flag, a time), from the routes themselves.</summary>
    private IEnumerable<(string Method, string Path, string Parameter, Type Type)> TypedQueryParameters()
    {
        var endpoints = ((IEndpointRouteBuilder)_sut.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>();
        foreach (var endpoint in endpoints)
        {
            var method = endpoint.Metadata.GetMetadata<MethodInfo>();
            var verbs = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            if (method is null || verbs is not { Count: > 0 })
            {
                continue;
            }

            var routeNames = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var parameter in method.GetParameters())
            {
                var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
                var hasForm = type.IsPrimitive || type.IsEnum || type == typeof(decimal) || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(TimeSpan) || type == typeof(Guid);
                if (!hasForm || routeNames.Contains(parameter.Name!)
                    || parameter.GetCustomAttributes().Any(a => a is FromHeaderAttribute or FromServicesAttribute or FromBodyAttribute or FromRouteAttribute))
                {
                    continue;
                }

                var path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
                {
                    Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                    Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart part when part.ParameterPolicies.Any(c => c.Content is "long" or "int") => "1",
                    _ => "free_sys",
                }))));
                yield return (verbs[0], path.TrimStart('/'), parameter.Name!, type);
            }
        }
    }

    [Fact]
    public async Task QueryParameters_EveryRouteWithABadValue_Is400NamingTheParameterAndItsForm()
    {
        using var client = _sut.Client(_sut.AdminKey);
        var parameters = TypedQueryParameters().ToList();
        Assert.True(parameters.Count >= 10, $"found only {parameters.Count} typed query parameters");
        var failures = new List<string>();

        foreach (var (method, path, parameter, type) in parameters)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), $"{path}?{parameter}=not-a-value");
            if (method is "POST" or "PUT")
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            var detail = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                ? JsonDocument.Parse(body).RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : ""
                : "";
            if (response.StatusCode != HttpStatusCode.BadRequest || !detail.Contains($"'{parameter}'", StringComparison.Ordinal) || detail.Contains("not-a-value", StringComparison.Ordinal))
            {
                failures.Add($"{method} {path}?{parameter} ({type.Name}): {(int)response.StatusCode} {body}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task JsonBodyRoutes_NullBody_Is400WithoutDotNetText()
    {
        using var client = _sut.Client(_sut.AdminKey);
        var failures = new List<string>();

        foreach (ITheoryDataRow row in ClientMistakeTests.JsonBodyRoutes)
        {
            var data = row.GetData();
            var method = (string)data[0]!;
            var path = (string)data[1]!;
            foreach (var body in new[] { "null", "{}", "{\"name\":null}", "[]" })
            {
                using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") }, Ct);
                var text = await response.Content.ReadAsStringAsync(Ct);
                if ((int)response.StatusCode >= 500 || text.Contains("Value cannot be null", StringComparison.Ordinal) || text.Contains("(Parameter '", StringComparison.Ordinal))
                {
                    failures.Add($"{method} {path} {body}: {(int)response.StatusCode} {text}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task TooLargeBody_413_KeepsTheSecurityHeaders()
    {
        using var client = _sut.Client(_sut.WriterKey);
        var big = "{\"v\":\"" + new string('a', 70_000) + "\"}";

        using var response = await client.PostAsync("api/systems/big_sys/snapshots", SnapshotApiTests.Json(big), Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task ExceptionAnswers_MalformedJson400_KeepTheSecurityHeaders()
    {
        using var client = _sut.Client(_sut.WriterKey);

        using var response = await client.PostAsync("api/systems/bad_json/snapshots", SnapshotApiTests.Json("{\"v\":"), Ct);

        await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.BadRequest);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task WrongKey_401_WwwAuthenticateSaysInvalidToken()
    {
        using var wrong = _sut.Client("svk_000000000000_wrong");
        using var none = _sut.Client();

        using var wrongResponse = await wrong.GetAsync("api/systems", Ct);
        using var noneResponse = await none.GetAsync("api/systems", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        var challenge = Assert.Single(wrongResponse.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        var plain = Assert.Single(noneResponse.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", plain.Scheme);
        Assert.DoesNotContain("error=", plain.Parameter ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreFailure_5xx_DetailHoldsNoServerPath()
    {
        using var client = _sut.Client(_sut.WriterKey);
        // A file where the system's folder must go: the file store cannot create the folder.
        Directory.CreateDirectory(_sut.StoreRoot);
        await File.WriteAllTextAsync(Path.Combine(_sut.StoreRoot, "blocked_sys"), "not a folder", Ct);

        using var response = await client.PostAsync("api/systems/blocked_sys/snapshots", SnapshotApiTests.Json("{\"v\":1}"), Ct);

        Assert.True((int)response.StatusCode >= 500, $"{(int)response.StatusCode}");
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain(_sut.StoreRoot, body, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath(), body, StringComparison.Ordinal);
        AssertSecurityHeaders(response);
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }
}
