using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace StateVault.Server.Api.Managers;

/// <summary>
/// Runs one call of a manager's public method for a route and turns what it refuses into Problem Details: an invalid argument
/// → 400, an unknown id → 404, an operation the manager's current state does not allow → 409. Messages are the manager's own
/// (they name ids and metrics, never state values).
/// </summary>
internal static class ManagerOperation
{
    public static IResult Run(Func<IResult> operation)
    {
        try
        {
            return operation();
        }
        catch (Exception ex) when (Describe(ex) is { } problem)
        {
            return problem;
        }
    }

    public static async Task<IResult> RunAsync(Func<Task<IResult>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception ex) when (Describe(ex) is { } problem)
        {
            return problem;
        }
    }

    public static ProblemHttpResult NotFound(string what, string id) =>
        Problems.Create(StatusCodes.Status404NotFound, $"No such {what}", $"No {what} '{(id.Length > 64 ? id[..64] : id)}'.");

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
}
