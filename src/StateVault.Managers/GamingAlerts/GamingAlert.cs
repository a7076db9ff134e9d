using System.Collections.Immutable;
using System.Text.Json;

namespace StateVault.Managers.GamingAlerts;

/// <summary>An alert for one game system and metric.</summary>
public sealed record GamingAlert
{
    /// <summary>Unique id.</summary>
    public required string Id { get; init; }

    /// <summary>The game system.</summary>
    public required string GameSystem { get; init; }

    /// <summary>The metric.</summary>
    public required string Metric { get; init; }

    /// <summary>What it is about.</summary>
    public AlertType Type { get; init; }

    /// <summary>Its severity (the highest level the latest value passed).</summary>
    public AlertSeverity Severity { get; init; }

    /// <summary>Its status.</summary>
    public AlertStatus Status { get; init; }

    /// <summary>The latest value.</summary>
    public double Value { get; init; }

    /// <summary>The level that value passed.</summary>
    public double Threshold { get; init; }

    /// <summary>A readable description.</summary>
    public string Message { get; init; } = string.Empty;

    /// <summary>How many samples raised or updated it.</summary>
    public int Occurrences { get; init; } = 1;

    /// <summary>When it was raised.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a sample last updated it.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When it was acknowledged.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>Who acknowledged it.</summary>
    public string? AcknowledgedBy { get; init; }

    /// <summary>When it was resolved.</summary>
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>How it was resolved (the original's <c>resolution_note</c>).</summary>
    public string? ResolutionNote { get; init; }

    /// <summary>The game context recorded with it (imported: the original's <c>game_context</c>, e.g. <c>frame_rate</c> and <c>threshold</c>).</summary>
    public ImmutableSortedDictionary<string, JsonElement>? GameContext { get; init; }

    /// <summary>What is known to be wrong with the record (imported: a history entry the original appended twice).</summary>
    public string? Note { get; init; }
}
