using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace StateVault.Managers.HealthThresholds;

/// <summary>The saved state of <c>health_thresholds</c>.</summary>
[SnapshotSchema(1, Name = "health_thresholds")]
public sealed record HealthThresholdsState
{
    /// <summary>Thresholds per metric.</summary>
    public ImmutableSortedDictionary<string, MetricThreshold> Thresholds { get; init; } = ImmutableSortedDictionary.Create<string, MetricThreshold>(StringComparer.Ordinal);

    /// <summary>Set/remove/reset operations, newest last (bounded).</summary>
    public ImmutableList<ThresholdOperation> ThresholdOperations { get; init; } = [];

    /// <summary>Evaluations, newest last (bounded).</summary>
    public ImmutableList<ValidationOperation> ValidationOperations { get; init; } = [];

    /// <summary>Changes of threshold values, newest last (bounded).</summary>
    public ImmutableList<ConfigurationChange> ConfigurationChanges { get; init; } = [];

    /// <summary>Keys of imported original files that have no typed place here (never dropped).</summary>
    public JsonObject? Legacy { get; init; }
}
