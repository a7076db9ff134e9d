using System.Collections.Immutable;

namespace StateVault.Managers.Swarm;

/// <summary>An agent of the swarm.</summary>
public sealed record SwarmAgent
{
    /// <summary>Unique id.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary>What it can do.</summary>
    public ImmutableList<string> Capabilities { get; init; } = [];

    /// <summary>Its status.</summary>
    public AgentStatus Status { get; init; }

    /// <summary>Whether it has been integrated (handshake done).</summary>
    public bool Integrated { get; init; }

    /// <summary>When it was registered.</summary>
    public DateTimeOffset RegisteredAt { get; init; }

    /// <summary>When it was last heard from.</summary>
    public DateTimeOffset LastSeenAt { get; init; }
}
