using System.Text.Json.Serialization;

namespace StateVault.Envelope;

/// <summary>One chunk of a <see cref="ChunkManifest"/>: its id and decoded length.</summary>
public sealed record ChunkManifestEntry
{
    /// <summary>The chunk's id (<see cref="Storage.ChunkId"/>).</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>The decoded length of the chunk in bytes.</summary>
    [JsonPropertyName("length")] public required long Length { get; init; }
}
