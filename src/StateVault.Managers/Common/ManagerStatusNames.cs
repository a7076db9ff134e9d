namespace StateVault.Managers;

/// <summary>The wire names of <see cref="ManagerStatus"/> values.</summary>
public static class ManagerStatusNames
{
    /// <summary>The snake_case name, e.g. <c>shutting_down</c>.</summary>
    public static string ToWireName(this ManagerStatus status) => status switch
    {
        ManagerStatus.Offline => "offline",
        ManagerStatus.Initializing => "initializing",
        ManagerStatus.Online => "online",
        ManagerStatus.Busy => "busy",
        ManagerStatus.Idle => "idle",
        ManagerStatus.Error => "error",
        ManagerStatus.Recovering => "recovering",
        ManagerStatus.Maintenance => "maintenance",
        ManagerStatus.ShuttingDown => "shutting_down",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}
