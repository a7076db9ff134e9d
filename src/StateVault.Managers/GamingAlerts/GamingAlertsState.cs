using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace StateVault.Managers.GamingAlerts;

/// <summary>The saved state of <c>gaming_alerts</c>.</summary>
[SnapshotSchema(1, Name = "gaming_alerts")]
public sealed record GamingAlertsState
{
    /// <summary>Thresholds by metric.</summary>
    public ImmutableSortedDictionary<string, GamingThreshold> Thresholds { get; init; } = ImmutableSortedDictionary.Create<string, GamingThreshold>(StringComparer.Ordinal);

    /// <summary>Open (active or acknowledged) alerts by id; at most one per game system and metric.</summary>
    public ImmutableSortedDictionary<string, GamingAlert> ActiveAlerts { get; init; } = ImmutableSortedDictionary.Create<string, GamingAlert>(StringComparer.Ordinal);

    /// <summary>Resolved alerts, newest last (bounded).</summary>
    public ImmutableList<GamingAlert> AlertHistory { get; init; } = [];

    /// <summary>Counters.</summary>
    public AlertCounters Counters { get; init; } = new();

    /// <summary>Keys of imported original files that have no typed place here.</summary>
    public JsonObject? Legacy { get; init; }
}
