using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using StateVault.Envelope;
using StateVault.Hosting;
using StateVault.Http;
using StateVault.Secrets;
using StateVault.Server.Access;
using StateVault.Server.Hosting;
using StateVault.Server.OpenApi;
using StateVault.Storage;

namespace StateVault.Server.Api;

/// <summary>
/// Raw chunk routes, next to the raw envelope routes: the chunks of <see cref="ISnapshotStoreWithChunks"/>, so the
/// <c>http://</c> store can hold chunked snapshots (put the chunks, then the envelope that names them).
/// <list type="bullet">
/// <item><c>GET /api/systems/{system}/chunks</c>: id, stored length and stored time of every chunk of the system.</item>
/// <item><c>GET /api/systems/{system}/chunks/{id}</c>: the framed bytes, the stored time in <c>X-StateVault-Chunk-Stored</c>.</item>
/// <item><c>PUT /api/systems/{system}/chunks/{id}</c>: stores (overwrites) a chunk that decodes to content with that id.</item>
/// <item><c>DELETE /api/systems/{system}/chunks/{id}?storedBefore=…</c>: deletes it only when stored before that time.</item>
/// </list>
/// A server whose store keeps no chunks answers 501 on every one of them.
/// </summary>
internal static class ChunkEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/systems/{system}/chunks").WithTags("envelopes");
        group.MapGet("/", ListAsync).Produces<ChunkListResponse>().ProducesProblem(StatusCodes.Status501NotImplemented)
            .WithSummary("Raw store: the chunks of one system (id, stored length, stored time).");
        group.MapGet("/{id}", ReadAsync).Produces<Stream>(contentType: EnvelopeWire.MediaType).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status501NotImplemented)
            .WithSummary("Raw store: the stored bytes of one chunk; its stored time in the X-StateVault-Chunk-Stored header.");
        // Content type checked in the handler, after authorization (see EnvelopeEndpoints).
        group.MapPut("/{id}", PutAsync)
            .RequireAuthorization(AccessPolicies.Writer)
            .WithMetadata(new RawRequestBody(EnvelopeWire.MediaType, Binary: true))
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status501NotImplemented)
            .WithSummary("Raw store: stores (or overwrites) one chunk of a chunked snapshot.")
            .WithDescription($"Body: the framed chunk ({ChunkFrame.Magic} <codec> <length>\\n + encoded bytes, {EnvelopeWire.MediaType}). It must decode to content whose SHA-256 is the id, "
                + "no larger than the server's maximum state size, and hold no secret-looking value (422). The whole state is checked again when the envelope that names the chunk arrives.");
        group.MapDelete("/{id}", DeleteAsync)
            .RequireAuthorization(AccessPolicies.Admin)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status501NotImplemented)
            .WithSummary("Raw store: deletes one chunk only if it was stored before ?storedBefore= (ISO 8601); 412 when it is absent or newer.");
    }

    private static async Task<IResult> ListAsync(string system, SnapshotVault vault, CancellationToken cancellationToken)
    {
        if (Refuse(system, null, vault) is { } refused)
        {
            return refused;
        }

        var chunks = new List<ChunkRef>();
        await foreach (var item in ((ISnapshotStoreWithChunks)vault.Store).ListChunksAsync(system, cancellationToken).ConfigureAwait(false))
        {
            chunks.Add(new ChunkRef(item.Id, item.Length, item.StoredUtc));
        }

        return TypedResults.Ok(new ChunkListResponse(system, chunks));
    }

    private static async Task<IResult> ReadAsync(string system, string id, HttpResponse response, SnapshotVault vault, CancellationToken cancellationToken)
    {
        if (Refuse(system, id, vault) is { } refused)
        {
            return refused;
        }

        var chunk = await ((ISnapshotStoreWithChunks)vault.Store).ReadChunkAsync(system, id, cancellationToken).ConfigureAwait(false);
        if (chunk is null)
        {
            return ChunkNotFound(system, id);
        }

        response.Headers[EnvelopeWire.ChunkStoredHeader] = chunk.StoredUtc.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
        return TypedResults.Bytes(chunk.Data, EnvelopeWire.MediaType);
    }

    private static async Task<IResult> PutAsync(
        string system,
        string id,
        HttpRequest request,
        SnapshotVault vault,
        IManagerRegistry managers,
        IOptions<StateVaultServerOptions> options,
        CancellationToken cancellationToken)
    {
        if (Refuse(system, id, vault) is { } refused)
        {
            return refused;
        }

        if (request.ContentType is { Length: > 0 } contentType
            && !(MediaTypeHeaderValue.TryParse(contentType, out var mediaType) && string.Equals(mediaType.MediaType.Value, EnvelopeWire.MediaType, StringComparison.OrdinalIgnoreCase)))
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type", $"Send the framed chunk as {EnvelopeWire.MediaType}.");
        }

        // Like a raw envelope: a manager's system is written only by its manager.
        if (SnapshotEndpoints.Owner(managers, system) is { } owner)
        {
            return Problems.OwnedByManager(system, owner.Name);
        }

        // A chunk is a piece of one state: bounded like any state request body, never by the (larger) envelope limit.
        var body = await RequestBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, cancellationToken).ConfigureAwait(false);
        ReadOnlyMemory<byte> content;
        try
        {
            content = ChunkFrame.Decode(id, body, options.Value.MaxStateBytes, vault.Options.MaxExpansionRatio);
        }
        catch (EnvelopeFormatException ex)
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, "Invalid chunk", $"The chunk is refused: {ex.Message}. Nothing was written.");
        }

        // A fragment is not a JSON document, so the JSON-aware scan cannot run on it; the patterns still can, over its
        // text (a secret never spans a quote, so no match joins two strings). A secret cut by a chunk edge is missed
        // here and caught when the envelope arrives: the whole state is scanned then, and a refused envelope leaves
        // its chunks unreferenced, for collection.
        if (vault.Options.SecretPolicy != SecretPolicy.Off && SecretScanner.Classify(Encoding.UTF8.GetString(content.Span)) is { } kind)
        {
            throw new SecretDetectedException(system, [new SecretFinding($"chunk {id}", kind)]);
        }

        await ((ISnapshotStoreWithChunks)vault.Store).PutChunkAsync(system, id, body, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> DeleteAsync(string system, string id, string? storedBefore, SnapshotVault vault, CancellationToken cancellationToken)
    {
        if (Refuse(system, id, vault) is { } refused)
        {
            return refused;
        }

        if (string.IsNullOrWhiteSpace(storedBefore)
            || !DateTimeOffset.TryParse(storedBefore, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var cutOff))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Invalid storedBefore", $"Give ?{EnvelopeWire.StoredBeforeQuery}= as an ISO 8601 time (e.g. 2026-01-31T12:00:00Z): the chunk is deleted only if it was stored before it. Nothing was deleted.");
        }

        return await ((ISnapshotStoreWithChunks)vault.Store).DeleteChunkAsync(system, id, cutOff, cancellationToken).ConfigureAwait(false)
            ? TypedResults.NoContent()
            : Problems.Create(StatusCodes.Status412PreconditionFailed, "Chunk kept", $"Chunk {id} of '{system}' is absent or was stored at or after {cutOff:O}; nothing was deleted.", EnvelopeWire.ChunkKeptType);
    }

    /// <summary>The answer to a request no chunk store can serve: a bad name or id (400), or a store without chunks (501).</summary>
    private static IResult? Refuse(string system, string? id, SnapshotVault vault)
    {
        if (!SystemName.IsValid(system))
        {
            return Problems.InvalidSystem(system);
        }

        if (id is not null && !ChunkId.IsValid(id))
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Invalid chunk id", "A chunk id is 64 lowercase hex digits (the SHA-256 of the chunk's content). Nothing was read or written.");
        }

        return vault.Store is ISnapshotStoreWithChunks
            ? null
            : Problems.Create(StatusCodes.Status501NotImplemented, "Not supported", $"The server's {vault.Store.Kind} store keeps no chunks.", EnvelopeWire.NotSupportedType);
    }

    private static IResult ChunkNotFound(string system, string id) =>
        Problems.Create(StatusCodes.Status404NotFound, "Chunk not found", $"System '{system}' has no chunk {id}.", EnvelopeWire.ChunkNotFoundType);
}
