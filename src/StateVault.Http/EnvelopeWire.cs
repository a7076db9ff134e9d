using System.Text.Json.Serialization;

namespace StateVault.Http;

/// <summary>
/// The JSON shapes and names of the server's raw envelope routes, shared by <c>HttpSnapshotStore</c> and the server
/// so the two sides cannot drift apart.
/// </summary>
internal static class EnvelopeWire
{
    /// <summary>The media type of envelope bodies.</summary>
    public const string MediaType = "application/octet-stream";

    /// <summary>Problem type of a failed append: the sequence was not the next one. Carries <c>latestSequence</c>.</summary>
    public const string SequenceConflictType = "urn:statevault:problem:sequence-conflict";

    /// <summary>Problem type of a write to a system that a running manager owns.</summary>
    public const string SystemOwnedType = "urn:statevault:problem:system-owned";

    /// <summary>Problem type of an import at a sequence that exists already.</summary>
    public const string SequenceExistsType = "urn:statevault:problem:sequence-exists";

    /// <summary>Problem type of the envelope routes' "no such snapshot" answer (a 404 without it is an unknown route).</summary>
    public const string NotFoundType = "urn:statevault:problem:snapshot-not-found";

    /// <summary>Problem type of an operation the server's store does not support.</summary>
    public const string NotSupportedType = "urn:statevault:problem:not-supported";

    /// <summary>The query parameter that makes a <c>PUT</c> an append (compare-and-set on latest = sequence − 1).</summary>
    public const string AppendQuery = "append";

    /// <summary>The name of the problem extension member carrying the latest allocated sequence.</summary>
    public const string LatestSequenceMember = "latestSequence";

    /// <summary>Problem type of the chunk routes' "no such chunk" answer (a 404 without it is an unknown route).</summary>
    public const string ChunkNotFoundType = "urn:statevault:problem:chunk-not-found";

    /// <summary>Problem type of a conditional chunk delete that deleted nothing: the chunk is absent, or stored at or after the cut-off.</summary>
    public const string ChunkKeptType = "urn:statevault:problem:chunk-kept";

    /// <summary>Problem type of a chunked envelope whose chunks are not all on the server's store.</summary>
    public const string ChunkMissingType = "urn:statevault:problem:chunk-missing";

    /// <summary>The response header of <c>GET …/chunks/{id}</c> carrying the chunk's stored time (ISO 8601, round-trip form).</summary>
    public const string ChunkStoredHeader = "X-StateVault-Chunk-Stored";

    /// <summary>The query parameter of a chunk delete: delete only when the chunk was stored before this time (ISO 8601).</summary>
    public const string StoredBeforeQuery = "storedBefore";

    /// <summary>The path of one system's chunks, relative to the server's base address.</summary>
    public static string ChunksPath(string system) => $"api/systems/{system}/chunks";
}

/// <summary>Body of <c>GET /api/systems/{system}/chunks</c>.</summary>
/// <param name="System">The system.</param>
/// <param name="Chunks">Its chunks, in no particular order.</param>
internal sealed record ChunkListResponse(
    [property: JsonPropertyName("system")] string System,
    [property: JsonPropertyName("chunks")] IReadOnlyList<ChunkRef> Chunks);

/// <summary>One stored chunk.</summary>
/// <param name="Id">Its id (SHA-256 of its content, 64 lowercase hex digits).</param>
/// <param name="Length">Its stored (framed) length in bytes.</param>
/// <param name="StoredUtc">When it was last put, by the server store's clock.</param>
internal sealed record ChunkRef(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("length")] long Length,
    [property: JsonPropertyName("storedUtc")] DateTimeOffset StoredUtc);

/// <summary>Body of <c>GET /api/envelopes</c>: every system on the server's store.</summary>
/// <param name="Systems">System names in ordinal order.</param>
internal sealed record EnvelopeSystemsResponse([property: JsonPropertyName("systems")] IReadOnlyList<string> Systems);

/// <summary>Body of <c>GET /api/systems/{system}/envelopes</c>.</summary>
/// <param name="System">The system.</param>
/// <param name="LatestSequence">The highest sequence ever allocated (0 when none).</param>
/// <param name="Snapshots">Stored snapshots, ascending.</param>
internal sealed record EnvelopeListResponse(
    [property: JsonPropertyName("system")] string System,
    [property: JsonPropertyName("latestSequence")] long LatestSequence,
    [property: JsonPropertyName("snapshots")] IReadOnlyList<EnvelopeRef> Snapshots);

/// <summary>One stored envelope.</summary>
/// <param name="Sequence">Its sequence.</param>
/// <param name="Length">Its length in bytes.</param>
internal sealed record EnvelopeRef(
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("length")] long Length);

/// <summary>Body of <c>POST /api/systems/{system}/envelopes/{seq}/quarantine</c>.</summary>
/// <param name="Reason">Why the snapshot is quarantined (a failed check; never a state value).</param>
internal sealed record QuarantineRequest([property: JsonPropertyName("reason")] string Reason);
