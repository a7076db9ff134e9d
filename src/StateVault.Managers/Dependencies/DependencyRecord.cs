namespace StateVault.Managers.Dependencies;

/// <summary>A declared dependency and what its checks found.</summary>
public sealed record DependencyRecord
{
    /// <summary>Its name.</summary>
    public required string Name { get; init; }

    /// <summary>How it is checked.</summary>
    public DependencyKind Kind { get; init; }

    /// <summary>The assembly name, <c>host:port</c>, or the store kind (never a connection string).</summary>
    public required string Target { get; init; }

    /// <summary>Whether its failure degrades the manager.</summary>
    public bool Critical { get; init; }

    /// <summary>The last result.</summary>
    public DependencyStatus Status { get; init; }

    /// <summary>When it was last checked.</summary>
    public DateTimeOffset? LastCheckedAt { get; init; }

    /// <summary>When it was last available.</summary>
    public DateTimeOffset? LastAvailableAt { get; init; }

    /// <summary>The last failure.</summary>
    public string? LastError { get; init; }

    /// <summary>Failed checks in a row.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Checks run (cache hits excluded).</summary>
    public long Checks { get; init; }

    /// <summary>Checks that failed.</summary>
    public long Failures { get; init; }
}
