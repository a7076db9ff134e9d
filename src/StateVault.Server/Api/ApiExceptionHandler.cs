using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using StateVault.Hosting;
using StateVault.Http;
using StateVault.Server.Diagnostics;

namespace StateVault.Server.Api;

/// <summary>
/// Turns every failure into a Problem Details body: the engine's exceptions into their HTTP meaning, anything else into a
/// plain 500. Never a stack trace, never a state value (a JSON parse error is reported by position only).
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems, IOptions<StateVaultHostingOptions> hosting, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            return true; // the client is gone; nobody reads an answer
        }

        var problem = (exception is BadHttpRequestException bad ? BindingProblems.Describe(httpContext, bad) : null) ?? Describe(exception);
        if (problem.Status >= 500)
        {
            Log.Unhandled(logger, exception.GetType().Name, exception);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            // The store is out: nothing of this request was acknowledged; the client may try again after the first retry delay.
            var seconds = Math.Max(1, (int)Math.Ceiling(hosting.Value.PendingRetryBaseDelay.TotalSeconds));
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = null }).ConfigureAwait(false);
    }

    internal static ProblemDetails Describe(Exception exception) => exception switch
    {
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", bad.Message),
        BadHttpRequestException bad => Problem(bad.StatusCode, "Bad request", bad.Message),
        SecretDetectedException secret => Problem(
            StatusCodes.Status422UnprocessableEntity,
            "Secret-looking value in the state",
            secret.Message,
            extensions: new() { ["paths"] = secret.Findings.Select(f => f.Path).ToList() }),
        SnapshotCorruptedException corrupt => Problem(StatusCodes.Status422UnprocessableEntity, "Snapshot failed verification", corrupt.Message),
        SnapshotSchemaException schema => Problem(StatusCodes.Status422UnprocessableEntity, "Snapshot schema not readable", schema.Message),
        SnapshotConcurrencyException conflict => Problem(
            StatusCodes.Status409Conflict,
            "Concurrency conflict",
            conflict.Message,
            EnvelopeWire.SequenceConflictType,
            new() { [EnvelopeWire.LatestSequenceMember] = conflict.ActualSequence }),
        SnapshotSequenceExhaustedException full => Problem(StatusCodes.Status409Conflict, "System has no sequence numbers left", full.Message),
        StateVault.Hosting.Ownership.SystemNotOwnedException notOwned => Problem(
            StatusCodes.Status503ServiceUnavailable,
            "Not the owner",
            notOwned.Message + " Retry after the Retry-After delay, or send the request to the owner.",
            extensions: new() { ["owner"] = notOwned.Owner?.OwnerId, ["ownerUrl"] = notOwned.Owner?.OwnerUrl }),
        // The store's own message (file paths, host names) goes to the log only; the client learns what it means for it.
        SnapshotStoreException store => Problem(
            store.IsTransient ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError,
            "Store failure",
            store.IsTransient
                ? "The store did not carry out the request. Nothing was acknowledged; retry after the Retry-After delay. A manager change stays in memory and pending, so it may still be stored later by the background retry."
                : "The store failed to carry out the request; the server's log has the details."),
        NotSupportedException notSupported => Problem(StatusCodes.Status501NotImplemented, "Not supported", notSupported.Message, EnvelopeWire.NotSupportedType),
        ArgumentException { InnerException: JsonException json } => Problem(
            StatusCodes.Status400BadRequest,
            "Malformed JSON",
            $"The request body is not one valid JSON document (line {(json.LineNumber ?? 0) + 1}, byte {(json.BytePositionInLine ?? 0) + 1}). Nothing was written."),
        ArgumentException argument => Problem(StatusCodes.Status400BadRequest, "Invalid request", ArgumentMessages.For(argument)),
        _ => Problem(StatusCodes.Status500InternalServerError, "Unexpected server error", "The server failed to carry out the request; its log has the details."),
    };

    private static ProblemDetails Problem(int status, string title, string detail, string? type = null, Dictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Type = type };
        foreach (var (key, value) in extensions ?? [])
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }
}
