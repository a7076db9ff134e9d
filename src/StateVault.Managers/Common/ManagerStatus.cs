namespace StateVault.Managers;

/// <summary>The lifecycle status of a manager (serialized in snake_case, e.g. <c>shutting_down</c>).</summary>
public enum ManagerStatus
{
    /// <summary>Not started, or stopped.</summary>
    Offline = 0,

    /// <summary>Starting its work.</summary>
    Initializing,

    /// <summary>Working.</summary>
    Online,

    /// <summary>Running a long operation.</summary>
    Busy,

    /// <summary>Working, but no operation for a while.</summary>
    Idle,

    /// <summary>Failed to start or failed in a way that needs attention.</summary>
    Error,

    /// <summary>Adopting a restored snapshot.</summary>
    Recovering,

    /// <summary>Put into maintenance by an operator.</summary>
    Maintenance,

    /// <summary>Stopping its work.</summary>
    ShuttingDown,
}
