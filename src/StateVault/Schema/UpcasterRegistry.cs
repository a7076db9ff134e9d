using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;

namespace StateVault.Schema;

/// <summary>
/// Upcasters per state type: each turns the JSON of version <c>n</c> into the JSON of version <c>n + 1</c>.
/// A load applies them in order from the stored version to the type's current version.
/// </summary>
public sealed class UpcasterRegistry
{
    private readonly ConcurrentDictionary<(Type Type, int From), Func<JsonNode, JsonNode>> _upcasters = new();

    /// <summary>Registers the upcaster from <paramref name="fromVersion"/> to <paramref name="fromVersion"/> + 1 for <typeparamref name="TState"/>.</summary>
    /// <returns>This registry, for chaining.</returns>
    public UpcasterRegistry Add<TState>(int fromVersion, Func<JsonNode, JsonNode> upcast) => Add(typeof(TState), fromVersion, upcast);

    /// <summary>Registers the upcaster from <paramref name="fromVersion"/> to <paramref name="fromVersion"/> + 1 for <paramref name="stateType"/>.</summary>
    public UpcasterRegistry Add(Type stateType, int fromVersion, Func<JsonNode, JsonNode> upcast)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        ArgumentNullException.ThrowIfNull(upcast);
        ArgumentOutOfRangeException.ThrowIfLessThan(fromVersion, 1);
        var current = GetVersion(stateType);
        if (fromVersion >= current)
        {
            throw new ArgumentOutOfRangeException(nameof(fromVersion), $"{stateType.Name} is at version {current}; an upcaster from version {fromVersion} would go past it.");
        }

        if (!_upcasters.TryAdd((stateType, fromVersion), upcast))
        {
            throw new InvalidOperationException($"An upcaster from version {fromVersion} of {stateType.Name} is already registered.");
        }

        return this;
    }

    /// <summary>
    /// Registers the upcaster from <paramref name="fromVersion"/> for <paramref name="stateType"/> unless one is registered already
    /// (several components over one vault register the upcasters of their state types).
    /// </summary>
    /// <returns>Whether this call registered it.</returns>
    public bool TryAdd(Type stateType, int fromVersion, Func<JsonNode, JsonNode> upcast)
    {
        ArgumentNullException.ThrowIfNull(stateType);
        if (_upcasters.ContainsKey((stateType, fromVersion)))
        {
            return false;
        }

        try
        {
            Add(stateType, fromVersion, upcast);
            return true;
        }
        catch (InvalidOperationException)
        {
            // Registered by a concurrent caller between the check and the add.
            return false;
        }
    }

    /// <summary>The current schema version of a state type (<see cref="SnapshotSchemaAttribute"/>, else 1).</summary>
    public static int GetVersion(Type stateType) => s_schemas.GetOrAdd(stateType, ReadSchema).Version;

    /// <summary>The name recorded in snapshot headers for a state type.</summary>
    public static string GetName(Type stateType) => s_schemas.GetOrAdd(stateType, ReadSchema).Name;

    // Every typed save asks for both; an attribute lookup allocates and walks metadata each time, a type's answer never changes.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, (string Name, int Version)> s_schemas = new();

    private static (string Name, int Version) ReadSchema(Type stateType)
    {
        var attribute = stateType.GetCustomAttribute<SnapshotSchemaAttribute>();
        return (attribute?.Name ?? stateType.Name, attribute?.Version ?? 1);
    }

    internal bool TryGet(Type stateType, int fromVersion, out Func<JsonNode, JsonNode> upcast) =>
        _upcasters.TryGetValue((stateType, fromVersion), out upcast!);
}
