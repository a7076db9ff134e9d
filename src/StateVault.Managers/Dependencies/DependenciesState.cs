using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace StateVault.Managers.Dependencies;

/// <summary>The saved state of <c>dependencies</c>.</summary>
/// <remarks>
/// Version 2 dropped the cache hit/miss counters (telemetry, now in memory and <c>/metrics</c>); <see cref="DependenciesStateUpcasters"/>
/// brings version 1 snapshots forward.
/// </remarks>
[SnapshotSchema(2, Name = "dependencies")]
public sealed record DependenciesState
{
    /// <summary>Declared dependencies by name.</summary>
    public ImmutableSortedDictionary<string, DependencyRecord> Dependencies { get; init; } = ImmutableSortedDictionary.Create<string, DependencyRecord>(StringComparer.Ordinal);

    /// <summary>Checks, newest last: at most <c>HistoryLimit</c> entries and none older than <c>HistoryMaxAge</c>.</summary>
    public ImmutableList<DependencyCheck> CheckHistory { get; init; } = [];

    /// <summary>Dependencies whose last check failed.</summary>
    public ImmutableSortedDictionary<string, FailedDependency> FailedDependencies { get; init; } = ImmutableSortedDictionary.Create<string, FailedDependency>(StringComparer.Ordinal);

    /// <summary>Keys of imported original files that have no typed place here.</summary>
    public JsonObject? Legacy { get; init; }
}
