namespace StateVault.Managers.GamingAlerts;

/// <summary>The alert levels of one metric: medium always; high and critical when defined (the original allowed a custom metric with a single level).</summary>
public sealed record GamingThreshold
{
    /// <summary>The metric, e.g. <c>frame_rate</c>.</summary>
    public required string Metric { get; init; }

    /// <summary>Whether it fires below or above the levels.</summary>
    public ThresholdComparison Comparison { get; init; }

    /// <summary>Level of a <see cref="AlertSeverity.Medium"/> alert.</summary>
    public required double Medium { get; init; }

    /// <summary>Level of a <see cref="AlertSeverity.High"/> alert; <see langword="null"/> when the metric has no such level.</summary>
    public required double? High { get; init; }

    /// <summary>Level of a <see cref="AlertSeverity.Critical"/> alert; <see langword="null"/> when the metric has no such level.</summary>
    public required double? Critical { get; init; }

    /// <summary>The unit.</summary>
    public string Unit { get; init; } = string.Empty;

    /// <summary>The type of the alerts it raises.</summary>
    public AlertType AlertType { get; init; }

    /// <summary>The severity of <paramref name="value"/>, or <see langword="null"/> when within limits (or not a number).</summary>
    public AlertSeverity? Evaluate(double value)
    {
        if (!double.IsFinite(value))
        {
            return null;
        }

        bool Past(double? level) => level is { } l && (Comparison == ThresholdComparison.Below ? value < l : value > l);
        return Past(Critical) ? AlertSeverity.Critical : Past(High) ? AlertSeverity.High : Past(Medium) ? AlertSeverity.Medium : null;
    }

    /// <summary>The level a severity fires at.</summary>
    public double LevelOf(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => Critical ?? High ?? Medium,
        AlertSeverity.High => High ?? Medium,
        _ => Medium,
    };

    /// <summary>Throws <see cref="ArgumentException"/> unless the levels are finite and ordered for the comparison.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Metric);
        double[] levels = [Medium, .. High is { } high ? [high] : Array.Empty<double>(), .. Critical is { } critical ? [critical] : Array.Empty<double>()];
        if (levels.Any(l => !double.IsFinite(l)))
        {
            throw new ArgumentException($"Levels of '{Metric}' must be finite numbers.");
        }

        var ordered = levels.Zip(levels.Skip(1)).All(p => Comparison == ThresholdComparison.Below ? p.First > p.Second : p.First < p.Second);
        if (!ordered)
        {
            throw new ArgumentException($"Levels of '{Metric}' must {(Comparison == ThresholdComparison.Below ? "fall" : "rise")} from medium to high to critical.");
        }
    }
}
