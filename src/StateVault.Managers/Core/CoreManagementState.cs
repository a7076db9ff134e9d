using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace StateVault.Managers.Core;

/// <summary>The saved state of <c>core_management</c>.</summary>
[SnapshotSchema(1, Name = "core_management")]
public sealed record CoreManagementState
{
    /// <summary>Registered components by name.</summary>
    public ImmutableSortedDictionary<string, ComponentRecord> Components { get; init; } = ImmutableSortedDictionary.Create<string, ComponentRecord>(StringComparer.Ordinal);

    /// <summary>Registrations and unregistrations, newest last (bounded).</summary>
    public ImmutableList<ComponentRegistration> ComponentRegistrations { get; init; } = [];

    /// <summary>Configuration changes, newest last (bounded).</summary>
    public ImmutableList<ConfigurationOperation> ConfigurationOperations { get; init; } = [];

    /// <summary>System-wide operations, newest last (bounded), including the shutdown record.</summary>
    public ImmutableList<SystemOperation> SystemOperations { get; init; } = [];

    /// <summary>Configuration values.</summary>
    public ImmutableSortedDictionary<string, string> Config { get; init; } = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    /// <summary>Keys of imported original files that have no typed place here.</summary>
    public JsonObject? Legacy { get; init; }
}
