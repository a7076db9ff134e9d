using System.Collections.Immutable;
using System.Text.Json;

namespace StateVault.Managers.AiMlCore;

/// <summary>A step of an ML workflow.</summary>
public sealed record MlWorkflowStep
{
    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>What it does.</summary>
    public MlStepKind Kind { get; init; }

    /// <summary>A model id or name, a provider, or a workflow id or name, depending on <see cref="Kind"/>.</summary>
    public required string Target { get; init; }

    /// <summary>Its status in the latest execution.</summary>
    public MlStepStatus Status { get; init; }

    /// <summary>When it last started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it last ended.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The original's step type (imported steps, e.g. <c>inference</c>).</summary>
    public string? Type { get; init; }

    /// <summary>The original's step parameters (imported steps).</summary>
    public ImmutableSortedDictionary<string, JsonElement>? Parameters { get; init; }

    /// <summary>When it was created (imported steps).</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Why it failed.</summary>
    public string? Error { get; init; }
}
