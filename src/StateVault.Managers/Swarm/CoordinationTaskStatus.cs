namespace StateVault.Managers.Swarm;

/// <summary>The status of a coordination task.</summary>
public enum CoordinationTaskStatus
{
    /// <summary>Assigned; no agent has reported yet.</summary>
    Pending = 0,

    /// <summary>Some agents have reported.</summary>
    Running,

    /// <summary>Every agent reported success.</summary>
    Completed,

    /// <summary>Every agent reported; some failed.</summary>
    PartiallyCompleted,

    /// <summary>Every agent reported failure.</summary>
    Failed,
}
