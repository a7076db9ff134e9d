using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace StateVault.Server.Api;

/// <summary>
/// Writes a problem as <c>application/problem+json</c> whatever the request's <c>Accept</c> says, registered after the default
/// writer (which only writes for JSON-accepting clients). Without it a refusal to a client that accepts only
/// <c>text/event-stream</c> or <c>text/html</c> found no writer, threw, and became a 500 with a stack trace in the log.
/// </summary>
/// <remarks>RFC 9110 lets a server ignore <c>Accept</c> for an error response; an answer in JSON beats a 406 or a 500.</remarks>
internal sealed class FallbackProblemDetailsWriter(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> jsonOptions) : IProblemDetailsWriter
{
    private const string MediaType = "application/problem+json";

    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var response = context.HttpContext.Response;
        var problem = context.ProblemDetails;
        problem.Status ??= response.StatusCode;
        var options = jsonOptions.Value.SerializerOptions;
        return new ValueTask(response.WriteAsJsonAsync(problem, options.GetTypeInfo(typeof(ProblemDetails)), MediaType, context.HttpContext.RequestAborted));
    }
}
