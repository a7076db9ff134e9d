using System.Text.Json.Serialization;

namespace StateVault.Envelope;

/// <summary>
/// The one-line JSON header of a snapshot envelope. It is covered by the header checksum on the magic line
/// and itself carries the payload's length and SHA-256, so every byte of the envelope is checked.
/// </summary>
public sealed record SnapshotHeader
{
    /// <summary>The system the snapshot belongs to.</summary>
    [JsonPropertyName("system")] public required string System { get; init; }

    /// <summary>The snapshot's sequence number (1, 2, 3 … per system).</summary>
    [JsonPropertyName("sequence")] public required long Sequence { get; init; }

    /// <summary>When the snapshot was created (UTC, from the vault's <see cref="TimeProvider"/>).</summary>
    [JsonPropertyName("created_utc")] public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>The schema version of the state.</summary>
    [JsonPropertyName("schema_version")] public required int SchemaVersion { get; init; }

    /// <summary>The state type name (informational; loads do not depend on it).</summary>
    [JsonPropertyName("state_type")] public required string StateType { get; init; }

    /// <summary>The codec of the payload (<c>identity</c>, <c>gzip</c>, <c>brotli</c>, <c>zstd</c>).</summary>
    [JsonPropertyName("codec")] public required string Codec { get; init; }

    /// <summary>Length of the stored (encoded) payload in bytes.</summary>
    [JsonPropertyName("stored_length")] public required long StoredLength { get; init; }

    /// <summary>Length of the decoded JSON in bytes.</summary>
    [JsonPropertyName("raw_length")] public required long RawLength { get; init; }

    /// <summary>SHA-256 (lowercase hex) of the stored payload.</summary>
    [JsonPropertyName("sha256")] public required string Sha256 { get; init; }

    /// <summary>Who wrote the snapshot (host and process).</summary>
    [JsonPropertyName("producer")] public string? Producer { get; init; }

    /// <summary>
    /// A token unique to the save that wrote the snapshot (the same for every attempt of that save). When the reply to an
    /// append is lost (a commit whose answer never came, a 5xx or timeout after the server stored it), the writer reads the
    /// snapshot back and finds its own token instead of appending a duplicate; <see langword="null"/> in older snapshots.
    /// </summary>
    [JsonPropertyName("writer")] public string? Writer { get; init; }

    /// <summary>Tags, e.g. for keep-tagged retention.</summary>
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Free-form string attributes (e.g. the legacy file name of an imported snapshot, the sequence a restore came from).</summary>
    [JsonPropertyName("attributes")] public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
}
