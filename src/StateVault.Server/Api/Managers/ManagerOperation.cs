using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace StateVault.Server.Api.Managers;

/// <summary>
/// Runs one call of a manager's public method for a route and turns what it refuses into Problem Details: an invalid argument
/// → 400, an unknown id → 404, an operation the manager's current state does not allow → 409. Messages are the manager's own
/// (they name ids and metrics, never state values). The typed results declare those answers, so the OpenAPI document does.
/// </summary>
internal static class ManagerOperation
{
    public static Results<TResult, Refusal> Run<TResult>(Func<TResult> operation)
        where TResult : IResult
    {
        try
        {
            return operation();
        }
        catch (Exception ex) when (Describe(ex) is { } problem)
        {
            return new Refusal(problem);
        }
    }

    public static async Task<Results<TResult, Refusal>> RunAsync<TResult>(Func<Task<TResult>> operation)
        where TResult : IResult
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception ex) when (Describe(ex) is { } problem)
        {
            return new Refusal(problem);
        }
    }

    public static ProblemHttpResult NotFound(string what, string id) =>
        Problems.Create(StatusCodes.Status404NotFound, $"No such {what}", $"No {what} '{(id.Length > 64 ? id[..64] : id)}'.");

    /// <summary>204 when <paramref name="done"/>, else 404 naming the <paramref name="what"/>.</summary>
    public static Results<NoContent, NotFoundProblem> NoContentOrNotFound(bool done, string what, string id) =>
        done ? TypedResults.NoContent() : new NotFoundProblem(NotFound(what, id));

    /// <summary>200 with <paramref name="value"/>, or 404 naming the <paramref name="what"/> when it is null.</summary>
    public static Results<Ok<T>, NotFoundProblem> OkOrNotFound<T>(T? value, string what, string id)
        where T : class =>
        value is not null ? TypedResults.Ok(value) : new NotFoundProblem(NotFound(what, id));

    private static ProblemHttpResult? Describe(Exception exception) => exception switch
    {
        KeyNotFoundException notFound => Problems.Create(StatusCodes.Status404NotFound, "Not found", notFound.Message),
        ArgumentException invalid => Problems.Create(StatusCodes.Status400BadRequest, "Invalid operation arguments", ArgumentMessages.For(invalid)),
        // A caller's value the manager cannot write as JSON (a string holding an unpaired surrogate, inside an object-typed
        // parameter the binder kept as raw JSON): the caller's mistake, and nothing was changed.
        JsonException => Problems.Create(StatusCodes.Status400BadRequest, "Invalid operation arguments", "A value in the request is not writable JSON (e.g. a string with an unpaired UTF-16 surrogate)."),
        InvalidOperationException refused => Problems.Create(StatusCodes.Status409Conflict, "Operation not possible now", refused.Message),
        _ => null,
    };

    private static void DeclareProblems(EndpointBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), ["application/problem+json"]));
        }
    }

    /// <summary>A manager's refusal (400, 404 or 409 Problem Details); declares those answers for the OpenAPI document.</summary>
    internal sealed class Refusal(ProblemHttpResult problem) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
    {
        public ProblemHttpResult Problem => problem;

        public int? StatusCode => problem.StatusCode;

        public Task ExecuteAsync(HttpContext httpContext) => problem.ExecuteAsync(httpContext);

        public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
            DeclareProblems(builder, StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
    }

    /// <summary>A 404 Problem Details; declares it for the OpenAPI document.</summary>
    internal sealed class NotFoundProblem(ProblemHttpResult problem) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult
    {
        public int? StatusCode => problem.StatusCode;

        public Task ExecuteAsync(HttpContext httpContext) => problem.ExecuteAsync(httpContext);

        public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => DeclareProblems(builder, StatusCodes.Status404NotFound);
    }
}
