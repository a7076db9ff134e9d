namespace StateVault.Adapters.Benchmarks;

/// <summary>The benchmark's grain state.</summary>
[GenerateSerializer]
public sealed class BenchGrainState
{
    /// <summary>Bumped on every write.</summary>
    [Id(0)]
    public int Version { get; set; }

    /// <summary>The payload.</summary>
    [Id(1)]
    public string Body { get; set; } = string.Empty;
}
