using System.Collections.Immutable;

namespace StateVault.Managers.Workflows;

/// <summary>One step of a workflow.</summary>
public sealed record WorkflowStep
{
    /// <summary>Unique within the workflow.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// <c>verify_store</c>, <c>prune_store</c>, <c>save_all</c> (built in), <c>process</c> (runs <see cref="Executable"/>), or the
    /// name of a registered <see cref="IWorkflowAction"/>.
    /// </summary>
    public required string Action { get; init; }

    /// <summary>For <c>process</c>: the full path of an allow-listed executable.</summary>
    public string? Executable { get; init; }

    /// <summary>For <c>process</c>: the arguments, passed one by one (no shell, no splitting).</summary>
    public ImmutableList<string> Arguments { get; init; } = [];

    /// <summary>Timeout of one attempt, in seconds.</summary>
    /// <value>60.</value>
    public double TimeoutSeconds { get; init; } = 60;

    /// <summary>Retries after a failed attempt (0–10).</summary>
    public int RetryCount { get; init; }

    /// <summary>Steps that must complete before this one runs.</summary>
    public ImmutableList<string> DependsOn { get; init; } = [];

    /// <summary>Whether the workflow stops (failed) when this step fails.</summary>
    /// <value><see langword="true"/>.</value>
    public bool Required { get; init; } = true;
}
