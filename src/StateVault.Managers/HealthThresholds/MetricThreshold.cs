namespace StateVault.Managers.HealthThresholds;

/// <summary>The warning and critical thresholds of one metric.</summary>
public sealed record MetricThreshold
{
    /// <summary>The metric, e.g. <c>cpu_usage</c>.</summary>
    public required string Metric { get; init; }

    /// <summary>The warning threshold.</summary>
    public required double Warning { get; init; }

    /// <summary>The critical threshold.</summary>
    public required double Critical { get; init; }

    /// <summary>Which way the metric gets worse.</summary>
    public ThresholdDirection Direction { get; init; }

    /// <summary>The unit, e.g. <c>ms</c> or <c>%</c>.</summary>
    public string Unit { get; init; } = string.Empty;

    /// <summary>Whether an operator set it (as opposed to a built-in default).</summary>
    public bool Custom { get; init; }

    /// <summary>When it was last set.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>What it watches, in words (the original's <c>description</c>).</summary>
    public string? Description { get; init; }

    /// <summary>Evaluates a value against the thresholds.</summary>
    public HealthLevel Evaluate(double value)
    {
        if (!double.IsFinite(value))
        {
            return HealthLevel.Unknown;
        }

        return Direction == ThresholdDirection.HigherIsWorse
            ? value >= Critical ? HealthLevel.Critical : value >= Warning ? HealthLevel.Warning : HealthLevel.Good
            : value <= Critical ? HealthLevel.Critical : value <= Warning ? HealthLevel.Warning : HealthLevel.Good;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the thresholds are finite and ordered for the direction.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Metric);
        if (!double.IsFinite(Warning) || !double.IsFinite(Critical))
        {
            throw new ArgumentException($"Thresholds of '{Metric}' must be finite numbers.");
        }

        if (Direction == ThresholdDirection.HigherIsWorse && Warning >= Critical)
        {
            throw new ArgumentException($"'{Metric}' gets worse as it rises, so its warning ({Warning}) must be below its critical threshold ({Critical}).");
        }

        if (Direction == ThresholdDirection.LowerIsWorse && Warning <= Critical)
        {
            throw new ArgumentException($"'{Metric}' gets worse as it falls, so its warning ({Warning}) must be above its critical threshold ({Critical}).");
        }
    }
}
