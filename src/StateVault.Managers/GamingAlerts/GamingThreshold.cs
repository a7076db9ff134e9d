namespace StateVault.Managers.GamingAlerts;

/// <summary>The three alert levels of one metric.</summary>
public sealed record GamingThreshold
{
    /// <summary>The metric, e.g. <c>frame_rate</c>.</summary>
    public required string Metric { get; init; }

    /// <summary>Whether it fires below or above the levels.</summary>
    public ThresholdComparison Comparison { get; init; }

    /// <summary>Level of a <see cref="AlertSeverity.Medium"/> alert.</summary>
    public required double Medium { get; init; }

    /// <summary>Level of a <see cref="AlertSeverity.High"/> alert.</summary>
    public required double High { get; init; }

    /// <summary>Level of a <see cref="AlertSeverity.Critical"/> alert.</summary>
    public required double Critical { get; init; }

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

        return Comparison == ThresholdComparison.Below
            ? value < Critical ? AlertSeverity.Critical : value < High ? AlertSeverity.High : value < Medium ? AlertSeverity.Medium : null
            : value > Critical ? AlertSeverity.Critical : value > High ? AlertSeverity.High : value > Medium ? AlertSeverity.Medium : null;
    }

    /// <summary>The level a severity fires at.</summary>
    public double LevelOf(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => Critical,
        AlertSeverity.High => High,
        _ => Medium,
    };

    /// <summary>Throws <see cref="ArgumentException"/> unless the levels are finite and ordered for the comparison.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Metric);
        if (!double.IsFinite(Medium) || !double.IsFinite(High) || !double.IsFinite(Critical))
        {
            throw new ArgumentException($"Levels of '{Metric}' must be finite numbers.");
        }

        var ordered = Comparison == ThresholdComparison.Below ? Medium > High && High > Critical : Medium < High && High < Critical;
        if (!ordered)
        {
            throw new ArgumentException($"Levels of '{Metric}' must {(Comparison == ThresholdComparison.Below ? "fall" : "rise")} from medium to high to critical.");
        }
    }
}
