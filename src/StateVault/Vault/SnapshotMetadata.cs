using StateVault.Envelope;

namespace StateVault;

/// <summary>What is known about one stored snapshot, read from its verified header.</summary>
public sealed record SnapshotMetadata
{
    /// <summary>The system.</summary>
    public required string System { get; init; }

    /// <summary>Sequence number, unique and increasing per system.</summary>
    public required long Sequence { get; init; }

    /// <summary>Creation time, UTC.</summary>
    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>Schema version of the state when it was written.</summary>
    public required int SchemaVersion { get; init; }

    /// <summary>State type name.</summary>
    public required string StateType { get; init; }

    /// <summary>Payload codec.</summary>
    public required string Codec { get; init; }

    /// <summary>Stored payload length in bytes.</summary>
    public required long StoredLength { get; init; }

    /// <summary>Decoded JSON length in bytes.</summary>
    public required long RawLength { get; init; }

    /// <summary>SHA-256 of the stored payload, lowercase hex.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Who wrote it.</summary>
    public string? Producer { get; init; }

    /// <summary>Tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Attributes such as <c>restored_from</c> or <c>legacy_file</c>.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    /// <summary>Maps a verified header.</summary>
    public static SnapshotMetadata FromHeader(SnapshotHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return new SnapshotMetadata
        {
            System = header.System,
            Sequence = header.Sequence,
            CreatedUtc = header.CreatedUtc,
            SchemaVersion = header.SchemaVersion,
            StateType = header.StateType,
            Codec = header.Codec,
            StoredLength = header.StoredLength,
            RawLength = header.RawLength,
            Sha256 = header.Sha256,
            Producer = header.Producer,
            Tags = header.Tags,
            Attributes = header.Attributes,
        };
    }
}
