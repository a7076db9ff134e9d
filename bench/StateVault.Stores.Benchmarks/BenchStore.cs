namespace StateVault.Stores.Benchmarks;

/// <summary>One store under test: its URI (for display, redacted) and vault, or why it is not measured.</summary>
internal sealed class BenchStore(string name, string? uri, string? notMeasured)
{
    public string Name { get; } = name;

    public string? Uri { get; } = uri;

    /// <summary>Why this store is not measured (a missing backend, or a warm-up failure), or <see langword="null"/>.</summary>
    public string? NotMeasured { get; set; } = notMeasured;

    public SnapshotVault? Vault { get; set; }

    public bool Measured => NotMeasured is null && Vault is not null;
}
