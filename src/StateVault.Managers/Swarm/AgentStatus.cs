namespace StateVault.Managers.Swarm;

/// <summary>The status of a swarm agent.</summary>
public enum AgentStatus
{
    /// <summary>Ready for tasks.</summary>
    Available = 0,

    /// <summary>Working on a task.</summary>
    Busy,

    /// <summary>Not reachable.</summary>
    Offline,

    /// <summary>Reported an error.</summary>
    Error,
}
