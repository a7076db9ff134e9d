using System.Collections.Immutable;
using System.Text.Json;

namespace StateVault.Managers.AiMlCore;

/// <summary>A registered model.</summary>
public sealed record ModelRecord
{
    /// <summary>Unique id.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary>Provider, e.g. <c>openai</c>.</summary>
    public required string Provider { get; init; }

    /// <summary>The provider's model id, e.g. <c>gpt-4o</c>.</summary>
    public required string ModelId { get; init; }

    /// <summary>Version.</summary>
    public string Version { get; init; } = "1.0";

    /// <summary>Capabilities, e.g. <c>chat</c>, <c>embedding</c>.</summary>
    public ImmutableList<string> Capabilities { get; init; } = [];

    /// <summary>Parameters (any JSON values: numbers, strings, lists).</summary>
    public ImmutableSortedDictionary<string, JsonElement> Parameters { get; init; } = ImmutableSortedDictionary.Create<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>Status.</summary>
    public ModelStatus Status { get; init; }

    /// <summary>The framework it was built with, e.g. <c>pytorch</c> (the original model manager's <c>framework</c>).</summary>
    public string? Framework { get; init; }

    /// <summary>The task it does, e.g. <c>classification</c>.</summary>
    public string? Task { get; init; }

    /// <summary>Who owns it, e.g. an agent id.</summary>
    public string? Owner { get; init; }

    /// <summary>When it was registered.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
