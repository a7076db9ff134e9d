using Microsoft.AspNetCore.Http.HttpResults;
using StateVault.Http;

namespace StateVault.Server.Api;

/// <summary>RFC 9457 problem results of the API. Details name systems, sequences and JSON paths, never state values.</summary>
internal static class Problems
{
    public static ProblemHttpResult Create(int status, string title, string detail, string? type = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: type, extensions: extensions);

    public static ProblemHttpResult InvalidSystem(string? system) =>
        Create(StatusCodes.Status400BadRequest, "Invalid system name", SystemName.Describe(system));

    public static ProblemHttpResult SnapshotNotFound(string system, long sequence) =>
        Create(StatusCodes.Status404NotFound, "Snapshot not found", $"System '{system}' has no snapshot {sequence}.", EnvelopeWire.NotFoundType);

    public static ProblemHttpResult NoSnapshot(string system) =>
        Create(StatusCodes.Status404NotFound, "No snapshot", $"System '{system}' has no valid snapshot.", EnvelopeWire.NotFoundType);

    public static ProblemHttpResult OwnedByManager(string system, string manager) =>
        Create(
            StatusCodes.Status409Conflict,
            "System owned by a running manager",
            $"System '{system}' is written only by the running manager '{manager}'. Change it through the manager, or restore one of its snapshots (the manager adopts it).",
            EnvelopeWire.SystemOwnedType,
            new Dictionary<string, object?> { ["manager"] = manager });

    public static ProblemHttpResult NotLatest(string system, long expected, long actual) =>
        Create(
            StatusCodes.Status412PreconditionFailed,
            "Not the latest snapshot",
            $"If-Match expected sequence {expected} of '{system}' to be the latest, but the latest is {actual}. Nothing was written.",
            extensions: new Dictionary<string, object?> { [EnvelopeWire.LatestSequenceMember] = actual });
}
