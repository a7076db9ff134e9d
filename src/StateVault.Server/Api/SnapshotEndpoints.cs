using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using StateVault.Hosting;
using StateVault.Retention;
using StateVault.Server.Access;
using StateVault.Server.Diagnostics;
using StateVault.Server.Events;
using StateVault.Server.Hosting;
using StateVault.Server.OpenApi;

namespace StateVault.Server.Api;

/// <summary>The routes of DESIGN.md over the engine: systems, snapshots, restore, delete, diff, verify, prune.</summary>
internal static class SnapshotEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/systems", ListSystemsAsync)
            .WithTags("snapshots")
            .Produces<List<SystemInfo>>()
            .WithSummary("Every system: newest sequence, snapshot count, bytes, last save, owning manager, save outcomes.");

        var system = api.MapGroup("/systems/{system}").WithTags("snapshots");
        system.MapGet("/snapshots", ListSnapshotsAsync).Produces<IReadOnlyList<SnapshotListing>>().WithSummary("The snapshots of one system, newest first, each verified.");
        system.MapGet("/snapshots/latest", GetLatestAsync).WithMetadata(new SequenceHeaders()).Produces<JsonElement>(contentType: "application/json").ProducesProblem(StatusCodes.Status422UnprocessableEntity).WithSummary("The newest valid snapshot's state JSON; ETag carries its sequence.");
        system.MapGet("/snapshots/{seq:long}", GetAsync).WithMetadata(new SequenceHeaders()).Produces<JsonElement>(contentType: "application/json").ProducesProblem(StatusCodes.Status422UnprocessableEntity).WithSummary("One snapshot's state JSON; ETag carries its sequence.");
        system.MapPost("/snapshots", SaveAsync)
            .RequireAuthorization(AccessPolicies.Writer)
            .Accepts<object>("application/json")
            .WithMetadata(new SequenceHeaders(IfMatch: true))
            .Produces<SnapshotMetadata>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Saves the JSON body as the newest snapshot. If-Match: \"N\" saves only when N is the latest (else 412).");
        system.MapPost("/snapshots/{seq:long}/restore", RestoreAsync)
            .RequireAuthorization(AccessPolicies.Writer)
            .WithMetadata(new SequenceHeaders())
            .Produces<SnapshotMetadata>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Makes a copy of snapshot seq the newest one; a running manager owning the system adopts it at once.");
        system.MapDelete("/snapshots/{seq:long}", DeleteAsync)
            .RequireAuthorization(AccessPolicies.Admin)
            .Produces(StatusCodes.Status204NoContent)
            .WithSummary("Deletes one snapshot.");
        system.MapGet("/diff", DiffAsync).Produces<SnapshotDiff>().ProducesProblem(StatusCodes.Status422UnprocessableEntity).WithSummary("The changed JSON paths between snapshots from and to, with old and new values.");

        api.MapPost("/verify", VerifyAsync)
            .Produces<VerifyResult>()
            .RequireAuthorization(AccessPolicies.Writer)
            .WithTags("snapshots")
            .WithSummary("Checks every snapshot (of one system with ?system=); damaged ones are listed.");
        api.MapPost("/prune", PruneAsync)
            .Produces<PruneSummary>()
            .RequireAuthorization(AccessPolicies.Admin)
            .WithTags("snapshots")
            .WithSummary("Applies a retention policy (query keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepWithin as 7d/12h/30m, keepTags; default: the configured one). dryRun=true plans only.");
    }

    /// <summary>The running manager that owns <paramref name="system"/>, if any: such a system is written only by it.</summary>
    internal static IManagedComponent? Owner(IManagerRegistry managers, string system) =>
        managers.FindBySystem(system) is { } manager && !string.Equals(manager.Status, "offline", StringComparison.Ordinal) ? manager : null;

    internal static string ETag(long sequence) => "\"" + sequence.ToString(CultureInfo.InvariantCulture) + "\"";

    private static async Task<IResult> ListSystemsAsync(SnapshotVault vault, IManagerRegistry managers, SaveStatistics statistics, CancellationToken cancellationToken)
    {
        var systems = await vault.ListSystemsAsync(countChunks: false, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(systems.Select(s => new SystemInfo(
            s.Name, s.LatestSequence, s.Count, s.Bytes, s.LastSavedUtc, s.OldestUtc, s.Damaged, managers.FindBySystem(s.Name)?.Name, statistics.Get(s.Name))).ToList());
    }

    private static async Task<IResult> ListSnapshotsAsync(string system, SnapshotVault vault, CancellationToken cancellationToken)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        return TypedResults.Ok(await vault.ListAsync(system, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<IResult> GetLatestAsync(string system, SnapshotVault vault, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        var snapshot = await vault.LoadLatestJsonAsync(system, cancellationToken).ConfigureAwait(false);
        if (snapshot is null)
        {
            return Problems.NoSnapshot(system);
        }

        response.Headers.ETag = ETag(snapshot.Metadata.Sequence);
        if (snapshot.FellBack)
        {
            // Newer snapshots were damaged (and quarantined); say which, so a client is not silently given older state.
            response.Headers["X-StateVault-Skipped"] = string.Join(",", snapshot.Skipped.Select(s => s.Sequence.ToString(CultureInfo.InvariantCulture)));
        }

        return TypedResults.Bytes(snapshot.Json, "application/json");
    }

    private static async Task<IResult> GetAsync(string system, long seq, SnapshotVault vault, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        var snapshot = await vault.LoadJsonAsync(system, seq, cancellationToken).ConfigureAwait(false);
        if (snapshot is null)
        {
            return Problems.SnapshotNotFound(system, seq);
        }

        response.Headers.ETag = ETag(seq);
        return TypedResults.Bytes(snapshot.Json, "application/json");
    }

    private static async Task<IResult> SaveAsync(
        string system,
        HttpRequest request,
        SnapshotVault vault,
        IManagerRegistry managers,
        IOptions<StateVaultServerOptions> options,
        CancellationToken cancellationToken)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        if (Owner(managers, system) is { } owner)
        {
            return Problems.OwnedByManager(system, owner.Name);
        }

        if (!TryParseIfMatch(request, out var expected))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Invalid If-Match", "If-Match must be one sequence number as an entity tag, e.g. If-Match: \"12\".");
        }

        var body = await RequestBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body.IsEmpty)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Empty body", "The body must be the state as one JSON document. Nothing was written.");
        }

        SnapshotMetadata saved;
        try
        {
            saved = await vault.SaveJsonAsync(system, body, new SaveOptions { ExpectedLatestSequence = expected }, cancellationToken).ConfigureAwait(false);
        }
        catch (SnapshotConcurrencyException ex)
        {
            return Problems.NotLatest(system, ex.ExpectedSequence, ex.ActualSequence);
        }

        request.HttpContext.Response.Headers.ETag = ETag(saved.Sequence);
        return TypedResults.Created($"/api/systems/{system}/snapshots/{saved.Sequence.ToString(CultureInfo.InvariantCulture)}", saved);
    }

    private static async Task<IResult> RestoreAsync(
        string system,
        long seq,
        SnapshotVault vault,
        IManagerRegistry managers,
        IStatePersistence persistence,
        ServerEventHub events,
        HttpResponse response,
        ILogger<SnapshotVault> logger,
        CancellationToken cancellationToken)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        var restored = await vault.RestoreAsync(system, seq, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (restored is null)
        {
            return Problems.SnapshotNotFound(system, seq);
        }

        Log.Restored(logger, system, seq, restored.Sequence);
        var owner = Owner(managers, system);
        if (owner is not null)
        {
            // The live manager must become the restored state now (and take it as the base of its next compare-and-set), or its
            // next save would be refused as a conflict.
            Exception? failure = null;
            try
            {
                var reloaded = await persistence.ReloadAsync(owner, system, cancellationToken).ConfigureAwait(false);
                if (reloaded.Sequence is not { } adopted || adopted < restored.Sequence)
                {
                    failure = new InvalidOperationException($"the manager adopted snapshot {reloaded.Sequence?.ToString(CultureInfo.InvariantCulture) ?? "none"} instead");
                }
                else
                {
                    Log.Adopted(logger, owner.Name, system, adopted);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failure = ex;
            }

            if (failure is not null)
            {
                Log.AdoptFailed(logger, owner.Name, system, restored.Sequence, failure);
                return Problems.Create(
                    StatusCodes.Status500InternalServerError,
                    "Restored, but the manager did not adopt it",
                    $"Snapshot {seq} of '{system}' was restored as {restored.Sequence}, but manager '{owner.Name}' failed to adopt it ({failure.GetType().Name}); it does not run on that state (see the server log).");
            }
        }

        events.Publish(new ServerEvent("restored", system, owner?.Name));
        response.Headers.ETag = ETag(restored.Sequence);
        return TypedResults.Created($"/api/systems/{system}/snapshots/{restored.Sequence.ToString(CultureInfo.InvariantCulture)}", restored);
    }

    private static async Task<IResult> DeleteAsync(string system, long seq, SnapshotVault vault, ServerEventHub events, ILogger<SnapshotVault> logger, CancellationToken cancellationToken)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        if (!await vault.DeleteAsync(system, seq, cancellationToken).ConfigureAwait(false))
        {
            return Problems.SnapshotNotFound(system, seq);
        }

        Log.Deleted(logger, system, seq);
        events.Publish(new ServerEvent("deleted", system));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> DiffAsync(string system, long? from, long? to, SnapshotVault vault, CancellationToken cancellationToken)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        if (from is null || to is null)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Missing sequence", "Give both sequences: ?from=N&to=M.");
        }

        var diff = await vault.DiffAsync(system, from.Value, to.Value, cancellationToken).ConfigureAwait(false);
        return diff is null
            ? Problems.Create(StatusCodes.Status404NotFound, "Snapshot not found", $"System '{system}' lacks snapshot {from} or {to}.")
            : TypedResults.Ok(diff);
    }

    private static async Task<IResult> VerifyAsync(string? system, SnapshotVault vault, ServerEventHub events, CancellationToken cancellationToken)
    {
        if (system is not null && !SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        var report = await vault.VerifyAsync(system, cancellationToken: cancellationToken).ConfigureAwait(false);
        events.Publish(new ServerEvent("verified", system));
        return TypedResults.Ok(new VerifyResult(report.IsHealthy, report.Snapshots.Count, report.Damaged));
    }

    private static async Task<IResult> PruneAsync(
        string? system,
        int? keepLast,
        int? keepHourly,
        int? keepDaily,
        int? keepWeekly,
        int? keepMonthly,
        string? keepWithin,
        string? keepTags,
        bool? dryRun,
        SnapshotVault vault,
        ServerEventHub events,
        CancellationToken cancellationToken)
    {
        if (system is not null && !SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        // The engine's one duration syntax (7d, 12h, …; [d.]hh:mm:ss accepted too), as in the CLI, the mirror URI and configuration.
        TimeSpan? within = null;
        if (keepWithin is not null)
        {
            if (!RetentionDuration.TryParse(keepWithin, out var parsed))
            {
                return Problems.Create(StatusCodes.Status400BadRequest, "Invalid retention policy", $"keepWithin is not {RetentionDuration.Syntax}.");
            }

            within = parsed;
        }

        var policy = new RetentionPolicy
        {
            KeepLast = keepLast,
            KeepHourly = keepHourly,
            KeepDaily = keepDaily,
            KeepWeekly = keepWeekly,
            KeepMonthly = keepMonthly,
            KeepWithin = within,
            KeepTags = keepTags?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
        };
        var result = await vault.PruneAsync(system, policy.IsEmpty ? null : policy, dryRun ?? false, cancellationToken).ConfigureAwait(false);
        if (!result.DryRun)
        {
            events.Publish(new ServerEvent("pruned", system));
        }

        return TypedResults.Ok(new PruneSummary(
            result.DryRun,
            result.RemovedCount,
            result.Plans.Select(p => new PrunedSystem(p.System, p.Kept.Select(d => d.Sequence).ToList(), p.Removed.Select(d => new PrunedSnapshot(d.Sequence, d.Reasons)).ToList())).ToList(),
            result.Quarantined));
    }

    private static bool TryParseIfMatch(HttpRequest request, out long? expected)
    {
        expected = null;
        var values = request.Headers.IfMatch;
        if (values.Count == 0)
        {
            return true;
        }

        var text = values.Count == 1 ? values[0]?.Trim() : null;
        if (text == "*")
        {
            return true; // "any current representation": no condition on the sequence
        }

        if (text is null)
        {
            return false;
        }

        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        text = text.Trim('"');
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            expected = sequence;
            return true;
        }

        return false;
    }
}
