using StateVault.Managers.ApiKeys;
using StateVault.Managers.Dependencies;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.Workflows;

namespace StateVault.Managers;

/// <summary>Options of the managers, bound from <c>StateVault:Managers</c>.</summary>
public sealed class ManagerOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "StateVault:Managers";

    /// <summary>How often each manager's heartbeat runs.</summary>
    /// <value>30 seconds.</value>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A working manager with no operation for this long reports <c>idle</c>.</summary>
    /// <value>5 minutes.</value>
    public TimeSpan IdleAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many operations each manager keeps in its in-memory operation history.</summary>
    /// <value>100.</value>
    public int OperationHistoryLimit { get; set; } = 100;

    /// <summary>How many entries each persisted history (operations, validations, messages, executions…) keeps; the oldest go first.</summary>
    /// <value>200.</value>
    public int HistoryLimit { get; set; } = 200;

    /// <summary>Configuration values shown and kept by core management (<c>config</c>).</summary>
    public Dictionary<string, string> CoreConfig { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Gaming alerts.</summary>
    public GamingAlertsOptions GamingAlerts { get; set; } = new();

    /// <summary>Dependency checks.</summary>
    public DependenciesOptions Dependencies { get; set; } = new();

    /// <summary>AI/ML workflows.</summary>
    public WorkflowOptions Workflows { get; set; } = new();

    /// <summary>API keys.</summary>
    public ApiKeysOptions ApiKeys { get; set; } = new();
}
