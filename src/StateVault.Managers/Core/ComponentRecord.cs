using System.Collections.Immutable;
using System.Text.Json;

namespace StateVault.Managers.Core;

/// <summary>A registered component.</summary>
public sealed record ComponentRecord
{
    /// <summary>Its name (for managers: the manager name).</summary>
    public required string Name { get; init; }

    /// <summary>Its type, e.g. <c>HealthThresholdsManager</c>.</summary>
    public required string Type { get; init; }

    /// <summary>Its status when last seen.</summary>
    public string Status { get; init; } = "offline";

    /// <summary>Start order (shutdown runs in reverse).</summary>
    public int Order { get; init; }

    /// <summary>When it was registered.</summary>
    public DateTimeOffset RegisteredAt { get; init; }

    /// <summary>When its status was last seen to change.</summary>
    public DateTimeOffset? StatusChangedAt { get; init; }

    /// <summary>Further values registered with it (imported components registered as a dict), or <see langword="null"/>.</summary>
    public ImmutableSortedDictionary<string, JsonElement>? Attributes { get; init; }
}
