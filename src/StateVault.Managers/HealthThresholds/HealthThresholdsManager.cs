using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace StateVault.Managers.HealthThresholds;

/// <summary>
/// Health thresholds [<c>health_thresholds</c>]: warning/critical thresholds per metric with a direction, evaluation of values
/// to good/warning/critical/unknown, and the operation, validation and configuration histories. Rates where lower is worse
/// (task completion, contract success) are evaluated the right way round — the original had them inverted.
/// </summary>
public sealed partial class HealthThresholdsManager : ManagerBase
{
    /// <summary>The manager and system name.</summary>
    public const string ManagerName = "health_thresholds";

    private readonly StateCell<HealthThresholdsState> _state;
    private readonly ConcurrentDictionary<string, HealthSample> _latest = new(StringComparer.Ordinal);

    /// <summary>Creates the manager with the default thresholds.</summary>
    public HealthThresholdsManager(ManagerContext context)
        : base(ManagerName, context)
    {
        _state = AddSystem(ManagerName, new HealthThresholdsState { Thresholds = Defaults(context.Time.GetUtcNow()) }, Normalize);
    }

    /// <summary>The current state.</summary>
    public HealthThresholdsState State => _state.Value;

    /// <summary>The latest sample fed per metric (in memory).</summary>
    public IReadOnlyDictionary<string, HealthSample> LatestSamples => _latest;

    /// <summary>The built-in thresholds of the original system, with the directions corrected.</summary>
    public static ImmutableSortedDictionary<string, MetricThreshold> Defaults(DateTimeOffset now)
    {
        MetricThreshold Higher(string metric, double warning, double critical, string unit) =>
            new() { Metric = metric, Warning = warning, Critical = critical, Direction = ThresholdDirection.HigherIsWorse, Unit = unit, UpdatedAt = now };
        MetricThreshold Lower(string metric, double warning, double critical, string unit) =>
            new() { Metric = metric, Warning = warning, Critical = critical, Direction = ThresholdDirection.LowerIsWorse, Unit = unit, UpdatedAt = now };
        MetricThreshold[] all =
        [
            Higher("response_time", 1000, 5000, "ms"),
            Higher("memory_usage", 80, 95, "%"),
            Higher("cpu_usage", 85, 95, "%"),
            Higher("error_rate", 5, 15, "%"),
            Lower("task_completion_rate", 90, 75, "%"),
            Higher("heartbeat_frequency", 120, 300, "s"),
            Lower("contract_success_rate", 85, 70, "%"),
            Higher("communication_latency", 500, 2000, "ms"),
        ];
        return all.ToImmutableSortedDictionary(t => t.Metric, t => t, StringComparer.Ordinal);
    }

    /// <summary>Sets (adds or replaces) the thresholds of a metric; they survive restarts.</summary>
    /// <param name="metric">The metric.</param>
    /// <param name="warning">Warning threshold.</param>
    /// <param name="critical">Critical threshold.</param>
    /// <param name="direction">Direction; default: the metric's current direction, or higher-is-worse for a new metric.</param>
    /// <param name="unit">Unit; default: the current unit.</param>
    /// <exception cref="ArgumentException">The thresholds are not ordered for the direction.</exception>
    public MetricThreshold SetThreshold(string metric, double warning, double critical, ThresholdDirection? direction = null, string? unit = null) =>
        Run("set_threshold", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(metric);
            var now = Time.GetUtcNow();
            return _state.Update(state =>
            {
                state.Thresholds.TryGetValue(metric, out var previous);
                var threshold = new MetricThreshold
                {
                    Metric = metric,
                    Warning = warning,
                    Critical = critical,
                    Direction = direction ?? previous?.Direction ?? ThresholdDirection.HigherIsWorse,
                    Unit = unit ?? previous?.Unit ?? string.Empty,
                    Custom = true,
                    UpdatedAt = now,
                };
                threshold.Validate();
                var limit = Context.Options.HistoryLimit;
                return (state with
                {
                    Thresholds = state.Thresholds.SetItem(metric, threshold),
                    ThresholdOperations = state.ThresholdOperations.AppendBounded(new ThresholdOperation(NewId("thop"), "set", metric, now), limit),
                    ConfigurationChanges = state.ConfigurationChanges.AppendBounded(new ConfigurationChange(NewId("cfg"), metric, previous, threshold, now), limit),
                }, threshold);
            });
        });

    /// <summary>The thresholds of a metric, or <see langword="null"/>.</summary>
    public MetricThreshold? GetThreshold(string metric) =>
        metric is not null && State.Thresholds.TryGetValue(metric, out var threshold) ? threshold : null;

    /// <summary>Every threshold, by metric name.</summary>
    public IReadOnlyList<MetricThreshold> ListThresholds() => [.. State.Thresholds.Values];

    /// <summary>Removes a metric's thresholds.</summary>
    /// <returns><see langword="false"/> when there were none.</returns>
    public bool RemoveThreshold(string metric) =>
        Run("remove_threshold", () => _state.Update(state =>
        {
            if (metric is null || !state.Thresholds.TryGetValue(metric, out var previous))
            {
                return (state, false);
            }

            var now = Time.GetUtcNow();
            var limit = Context.Options.HistoryLimit;
            return (state with
            {
                Thresholds = state.Thresholds.Remove(metric),
                ThresholdOperations = state.ThresholdOperations.AppendBounded(new ThresholdOperation(NewId("thop"), "remove", metric, now), limit),
                ConfigurationChanges = state.ConfigurationChanges.AppendBounded(new ConfigurationChange(NewId("cfg"), metric, previous, null, now), limit),
            }, true);
        }));

    /// <summary>Replaces every threshold with the built-in defaults.</summary>
    public void ResetToDefaults() =>
        Run("reset_thresholds", () => _state.Update(state =>
        {
            var now = Time.GetUtcNow();
            return state with
            {
                Thresholds = Defaults(now),
                ThresholdOperations = state.ThresholdOperations.AppendBounded(new ThresholdOperation(NewId("thop"), "reset", "*", now), Context.Options.HistoryLimit),
            };
        }));

    /// <summary>Evaluates a value against the metric's thresholds and records the evaluation.</summary>
    /// <returns>good, warning or critical; unknown when the metric has no thresholds or the value is not a finite number.</returns>
    public HealthLevel Evaluate(string metric, double value) =>
        Run("evaluate", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(metric);
            var now = Time.GetUtcNow();
            return _state.Update(state =>
            {
                var level = state.Thresholds.TryGetValue(metric, out var threshold) ? threshold.Evaluate(value) : HealthLevel.Unknown;
                var recorded = double.IsFinite(value) ? value : 0;
                return (state with
                {
                    ValidationOperations = state.ValidationOperations.AppendBounded(new ValidationOperation(NewId("val"), metric, recorded, level, now), Context.Options.HistoryLimit),
                }, level);
            });
        });

    /// <summary>
    /// Feeds a measured sample (the server feeds the host's CPU, memory, save latency and save error rate): evaluates it and keeps it
    /// as the metric's latest. Samples are telemetry: they live in memory (<see cref="LatestSamples"/>, the dashboard summary and
    /// <c>/metrics</c>) and are never stored, so sampling does not write snapshots. <see cref="Evaluate"/> records a validation request.
    /// </summary>
    public HealthLevel RecordSample(string metric, double value) =>
        Run("record_sample", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(metric);
            var level = State.Thresholds.TryGetValue(metric, out var threshold) ? threshold.Evaluate(value) : HealthLevel.Unknown;
            _latest[metric] = new HealthSample(metric, value, level, Time.GetUtcNow());
            return level;
        });

    /// <inheritdoc />
    protected override void AddSummary(IDictionary<string, object?> summary)
    {
        var state = State;
        summary["thresholds"] = state.Thresholds.Count;
        summary["custom_thresholds"] = state.Thresholds.Values.Count(t => t.Custom);
        summary["validations"] = state.ValidationOperations.Count;
        summary["warning_metrics"] = _latest.Values.Count(s => s.Level == HealthLevel.Warning);
        summary["critical_metrics"] = _latest.Values.Count(s => s.Level == HealthLevel.Critical);
        summary["latest"] = _latest.Values.OrderBy(s => s.Metric, StringComparer.Ordinal)
            .ToDictionary(s => s.Metric, s => (object?)new Dictionary<string, object?> { ["value"] = s.Value, ["level"] = s.Level.ToString().ToLowerInvariant() }, StringComparer.Ordinal);
    }

    private static HealthThresholdsState Normalize(HealthThresholdsState state) =>
        state with
        {
            Thresholds = state.Thresholds.Ordinal(),
            ThresholdOperations = state.ThresholdOperations ?? [],
            ValidationOperations = state.ValidationOperations ?? [],
            ConfigurationChanges = state.ConfigurationChanges ?? [],
        };
}
