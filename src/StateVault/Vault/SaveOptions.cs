namespace StateVault;

/// <summary>Per-save options.</summary>
public sealed record SaveOptions
{
    /// <summary>When set, the save succeeds only if this is still the latest sequence (0 = no snapshot yet); otherwise <see cref="SnapshotConcurrencyException"/>.</summary>
    public long? ExpectedLatestSequence { get; init; }

    /// <summary>Tags recorded on the snapshot (see keep-tagged retention).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Attributes recorded on the snapshot.</summary>
    public IReadOnlyDictionary<string, string>? Attributes { get; init; }

    /// <summary>Overrides the state type name recorded in the header (untyped saves).</summary>
    public string? StateType { get; init; }

    /// <summary>Overrides the schema version recorded in the header (untyped saves).</summary>
    public int? SchemaVersion { get; init; }

    /// <summary>Overrides the creation time recorded in the header (imports of older data); default: the vault's clock.</summary>
    public DateTimeOffset? CreatedUtc { get; init; }
}
