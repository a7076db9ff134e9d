using System.Text.Json.Nodes;
using StateVault.Schema;

namespace StateVault.Managers.Dependencies;

/// <summary>Brings older <see cref="DependenciesState"/> snapshots to the current schema.</summary>
internal static class DependenciesStateUpcasters
{
    /// <summary>Registers every upcaster of <see cref="DependenciesState"/> with <paramref name="registry"/> (once per registry).</summary>
    public static void Register(UpcasterRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.TryAdd(typeof(DependenciesState), 1, DropTelemetry);
    }

    /// <summary>Version 1 → 2: the cache hit/miss counters were telemetry stored as state; they now live in memory and <c>/metrics</c>.</summary>
    internal static JsonNode DropTelemetry(JsonNode node)
    {
        if (node is JsonObject state)
        {
            state.Remove("cache_hits");
            state.Remove("cache_misses");
        }

        return node;
    }
}
