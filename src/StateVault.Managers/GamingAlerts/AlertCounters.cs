using System.Collections.Immutable;

namespace StateVault.Managers.GamingAlerts;

/// <summary>Alert counters (persisted, unlike the original's).</summary>
public sealed record AlertCounters
{
    /// <summary>Alerts raised.</summary>
    public long Created { get; init; }

    /// <summary>Updates of active alerts by later samples.</summary>
    public long Updated { get; init; }

    /// <summary>Acknowledgements.</summary>
    public long Acknowledged { get; init; }

    /// <summary>Resolutions.</summary>
    public long Resolved { get; init; }

    /// <summary>Resolved alerts cleared from the history.</summary>
    public long Cleared { get; init; }

    /// <summary>Alerts raised per severity.</summary>
    public ImmutableSortedDictionary<string, long> BySeverity { get; init; } = ImmutableSortedDictionary.Create<string, long>(StringComparer.Ordinal);
}
