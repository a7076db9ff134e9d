namespace StateVault.Managers.Swarm;

/// <summary>Running totals of the swarm.</summary>
public sealed record SwarmCounters
{
    /// <summary>Messages sent.</summary>
    public long MessagesSent { get; init; }

    /// <summary>Messages whose content had a secret-looking value redacted.</summary>
    public long MessagesRedacted { get; init; }

    /// <summary>Tasks created.</summary>
    public long TasksCreated { get; init; }

    /// <summary>Tasks completed (every agent succeeded).</summary>
    public long TasksCompleted { get; init; }

    /// <summary>Tasks that failed completely or partially.</summary>
    public long TasksFailed { get; init; }
}
