using System.Globalization;
using Microsoft.Net.Http.Headers;
using Microsoft.Extensions.Options;
using StateVault.Envelope;
using StateVault.Hosting;
using StateVault.Http;
using StateVault.Server.Access;
using StateVault.Server.Events;
using StateVault.Server.Hosting;
using StateVault.Server.OpenApi;
using StateVault.Storage;

namespace StateVault.Server.Api;

/// <summary>
/// Raw envelope routes, the server side of the <c>http://</c> store: the bytes of <see cref="ISnapshotStore"/>, unchanged,
/// so a process with a server URI as its store gets the same atomicity and sequence guarantees as the server's own store.
/// <list type="bullet">
/// <item><c>GET /api/envelopes</c>: the systems on the store.</item>
/// <item><c>GET /api/systems/{system}/envelopes</c>: stored sequences and lengths, and the latest allocated sequence.</item>
/// <item><c>GET /api/systems/{system}/envelopes/{seq}</c>: the envelope bytes (<c>application/octet-stream</c>).</item>
/// <item><c>PUT /api/systems/{system}/envelopes/{seq}</c>: create-only import at that sequence (412 when it exists);
/// with <c>?append=true</c> an append that succeeds only when seq = latest + 1 (else 409 with <c>latestSequence</c>).
/// The envelope must verify and its header must name that system and sequence.</item>
/// <item><c>DELETE /api/systems/{system}/envelopes/{seq}</c> and <c>POST …/{seq}/quarantine</c>.</item>
/// </list>
/// A chunked envelope is accepted once every chunk it names is on the server's store (<see cref="ChunkEndpoints"/>): 422 naming the first missing one otherwise.
/// </summary>
internal static class EnvelopeEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/envelopes", ListSystemsAsync).WithTags("envelopes").Produces<EnvelopeSystemsResponse>().WithSummary("Raw store: every system on the server's store.");
        var group = api.MapGroup("/systems/{system}/envelopes").WithTags("envelopes");
        group.MapGet("/", ListAsync).Produces<EnvelopeListResponse>().WithSummary("Raw store: stored sequences with lengths, and the latest allocated sequence.");
        group.MapGet("/{seq:long}", ReadAsync).Produces<Stream>(contentType: EnvelopeWire.MediaType).WithSummary("Raw store: the envelope bytes of one snapshot.");
        // No .Accepts(...): its content-type check runs in routing, before authentication, and told anonymous callers 415.
        // The handler checks the content type after authorization instead.
        group.MapPut("/{seq:long}", PutAsync)
            .RequireAuthorization(AccessPolicies.Writer)
            .WithMetadata(new RawRequestBody(EnvelopeWire.MediaType, Binary: true))
            .Produces(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Raw store: create-only write of a verified envelope; ?append=true only when seq is latest + 1.")
            .WithDescription($"Body: the envelope bytes ({EnvelopeWire.MediaType}). The envelope obeys the rules of every save: it verifies, names this system and sequence, "
                + "declares a state no larger than the server's maximum state size (413), decodes to valid JSON, and holds no secret-looking value in the state, tags or attributes (422). "
                + "A chunked envelope (codec 'chunked') is checked with its chunks read from the server's store; a chunk not there yet is 422 (put the chunks first).");
        group.MapDelete("/{seq:long}", DeleteAsync).RequireAuthorization(AccessPolicies.Admin).Produces(StatusCodes.Status204NoContent).WithSummary("Raw store: deletes one snapshot.");
        group.MapPost("/{seq:long}/quarantine", QuarantineAsync).RequireAuthorization(AccessPolicies.Writer)
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status501NotImplemented).WithSummary("Raw store: moves a damaged snapshot to quarantine.");
        ChunkEndpoints.Map(api);
    }

    private static async Task<IResult> ListSystemsAsync(SnapshotVault vault, CancellationToken cancellationToken)
    {
        var systems = new List<string>();
        await foreach (var system in vault.Store.ListSystemsAsync(cancellationToken).ConfigureAwait(false))
        {
            systems.Add(system);
        }

        return TypedResults.Ok(new EnvelopeSystemsResponse(systems));
    }

    private static async Task<IResult> ListAsync(string system, SnapshotVault vault, CancellationToken cancellationToken)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        var refs = new List<EnvelopeRef>();
        await foreach (var item in vault.Store.ListAsync(system, cancellationToken).ConfigureAwait(false))
        {
            refs.Add(new EnvelopeRef(item.Sequence, item.Length));
        }

        var latest = await vault.Store.GetLatestSequenceAsync(system, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new EnvelopeListResponse(system, Math.Max(latest, refs.Count == 0 ? 0 : refs[^1].Sequence), refs));
    }

    private static async Task<IResult> ReadAsync(string system, long seq, SnapshotVault vault, CancellationToken cancellationToken)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        var bytes = await vault.Store.ReadAsync(system, seq, cancellationToken).ConfigureAwait(false);
        return bytes is null ? Problems.SnapshotNotFound(system, seq) : TypedResults.Bytes(bytes, EnvelopeWire.MediaType);
    }

    private static async Task<IResult> PutAsync(
        string system,
        long seq,
        bool? append,
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

        if (!SnapshotSequence.IsValid(seq))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Invalid sequence", $"Sequences run from {SnapshotSequence.MinValue} to {SnapshotSequence.MaxValue}. Nothing was written.");
        }

        if (request.ContentType is { Length: > 0 } contentType
            && !(MediaTypeHeaderValue.TryParse(contentType, out var mediaType) && string.Equals(mediaType.MediaType.Value, EnvelopeWire.MediaType, StringComparison.OrdinalIgnoreCase)))
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type", $"Send the envelope bytes as {EnvelopeWire.MediaType}.");
        }

        if (SnapshotEndpoints.Owner(managers, system) is { } owner)
        {
            return Problems.OwnedByManager(system, owner.Name);
        }

        var body = await RequestBody.ReadAsync(request, options.Value.MaxEnvelopeBytes, cancellationToken).ConfigureAwait(false);
        string? missingChunk = null;
        try
        {
            // The rules of every save, in the engine so the CLI and the other stores apply the same ones; a chunked
            // envelope's chunks are read from this server's store (they are put first) and the assembled state checked.
            // A secret-looking value throws SecretDetectedException: 422 naming the paths, like any save.
            var chunks = vault.Store as ISnapshotStoreWithChunks;
            await IncomingEnvelope.CheckAsync(body, system, seq, options.Value.MaxStateBytes, vault.Options.MaxExpansionRatio, vault.Options.SecretPolicy, async (id, ct) =>
            {
                var chunk = chunks is null ? null : await chunks.ReadChunkAsync(system, id, ct).ConfigureAwait(false);
                missingChunk ??= chunk is null ? id : null;
                return chunk?.Data;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (IncomingEnvelopeException ex) when (missingChunk is not null)
        {
            return Problems.Create(
                StatusCodes.Status422UnprocessableEntity,
                "Chunk missing",
                $"The envelope names chunk {missingChunk}, which is not on the server's {(vault.Store is ISnapshotStoreWithChunks ? string.Empty : "chunkless ")}store: put its chunks first ({ex.Message}). Nothing was written.",
                EnvelopeWire.ChunkMissingType,
                new Dictionary<string, object?> { ["chunk"] = missingChunk });
        }
        catch (IncomingEnvelopeException ex)
        {
            return ex.Rejection == IncomingEnvelopeRejection.TooLarge
                ? Problems.Create(StatusCodes.Status413PayloadTooLarge, "State too large", $"The envelope is refused: {ex.Message}. Nothing was written.")
                : Problems.Create(StatusCodes.Status400BadRequest, ex.Rejection == IncomingEnvelopeRejection.Mismatch ? "Envelope does not match the route" : "Invalid envelope", $"The envelope is refused: {ex.Message}. Nothing was written.");
        }

        var location = $"/api/systems/{system}/envelopes/{seq.ToString(CultureInfo.InvariantCulture)}";
        var envelope = EnvelopeBytes.FromArray(body.ToArray());
        if (append == true)
        {
            try
            {
                // The store's own compare-and-set makes "seq is latest + 1" atomic with the write.
                await vault.Store.AppendAsync(system, seq - 1, _ => envelope, cancellationToken).ConfigureAwait(false);
            }
            catch (SnapshotConcurrencyException ex)
            {
                return Problems.Create(
                    StatusCodes.Status409Conflict,
                    "Sequence taken",
                    $"Sequence {seq} of '{system}' is not the next one: the latest is {ex.ActualSequence}. Nothing was written.",
                    EnvelopeWire.SequenceConflictType,
                    new Dictionary<string, object?> { [EnvelopeWire.LatestSequenceMember] = ex.ActualSequence });
            }

            return TypedResults.Created(location);
        }

        return await vault.Store.ImportAsync(system, seq, envelope, cancellationToken).ConfigureAwait(false)
            ? TypedResults.Created(location)
            : Problems.Create(StatusCodes.Status412PreconditionFailed, "Sequence exists", $"Snapshot {seq} of '{system}' exists (or is quarantined); envelopes are create-only.", EnvelopeWire.SequenceExistsType);
    }

    private static async Task<IResult> DeleteAsync(string system, long seq, SnapshotVault vault, ServerEventHub events, CancellationToken cancellationToken)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        // Through the vault, so its cache of verified headers forgets the snapshot too.
        if (!await vault.DeleteAsync(system, seq, cancellationToken).ConfigureAwait(false))
        {
            return Problems.SnapshotNotFound(system, seq);
        }

        events.Publish(new ServerEvent("deleted", system));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> QuarantineAsync(string system, long seq, QuarantineRequest? body, SnapshotVault vault, ServerEventHub events, CancellationToken cancellationToken)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        if (!vault.Store.Capabilities.SupportsQuarantine)
        {
            return Problems.Create(StatusCodes.Status501NotImplemented, "Not supported", $"The server's {vault.Store.Kind} store does not support quarantine.", EnvelopeWire.NotSupportedType);
        }

        var reason = string.IsNullOrWhiteSpace(body?.Reason) ? "quarantined through the API" : body.Reason;
        if (!await vault.Store.QuarantineAsync(system, seq, reason, cancellationToken).ConfigureAwait(false))
        {
            return Problems.SnapshotNotFound(system, seq);
        }

        events.Publish(new ServerEvent("deleted", system));
        return TypedResults.NoContent();
    }
}
