using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace StateVault.Managers.Dependencies;

/// <summary>The saved state of <c>dependencies</c>.</summary>
[SnapshotSchema(1, Name = "dependencies")]
public sealed record DependenciesState
{
    /// <summary>Declared dependencies by name.</summary>
    public ImmutableSortedDictionary<string, DependencyRecord> Dependencies { get; init; } = ImmutableSortedDictionary.Create<string, DependencyRecord>(StringComparer.Ordinal);

    /// <summary>Checks, newest last: at most <c>HistoryLimit</c> entries and none older than <c>HistoryMaxAge</c>.</summary>
    public ImmutableList<DependencyCheck> CheckHistory { get; init; } = [];

    /// <summary>Dependencies whose last check failed.</summary>
    public ImmutableSortedDictionary<string, FailedDependency> FailedDependencies { get; init; } = ImmutableSortedDictionary.Create<string, FailedDependency>(StringComparer.Ordinal);

    /// <summary>Checks answered from the cache.</summary>
    public long CacheHits { get; init; }

    /// <summary>Checks that had to run.</summary>
    public long CacheMisses { get; init; }

    /// <summary>Keys of imported original files that have no typed place here.</summary>
    public JsonObject? Legacy { get; init; }
}
