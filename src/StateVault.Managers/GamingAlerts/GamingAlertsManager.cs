using System.Collections.Immutable;
using System.Globalization;

namespace StateVault.Managers.GamingAlerts;

/// <summary>
/// Gaming alerts [<c>gaming_alerts</c>]: thresholds with a direction and three levels; a performance sample of a game system
/// creates or updates alerts (one open alert per system and metric); acknowledge; resolve (moved to the history once);
/// queries by system and severity; a summary; persisted counters; stale-alert detection; clearing resolved alerts.
/// </summary>
public sealed partial class GamingAlertsManager : ManagerBase
{
    /// <summary>The manager and system name.</summary>
    public const string ManagerName = "gaming_alerts";

    private readonly StateCell<GamingAlertsState> _state;

    /// <summary>Creates the manager with the default thresholds.</summary>
    public GamingAlertsManager(ManagerContext context)
        : base(ManagerName, context)
    {
        _state = AddSystem(ManagerName, new GamingAlertsState { Thresholds = Defaults() }, Normalize);
    }

    /// <summary>The current state.</summary>
    public GamingAlertsState State => _state.Value;

    /// <summary>The built-in thresholds: frame rate below 30/15/5, system health below 80/60/40, response time above 100/200/500 ms, memory above 2048/4096/8192 MB.</summary>
    public static ImmutableSortedDictionary<string, GamingThreshold> Defaults()
    {
        GamingThreshold[] all =
        [
            new() { Metric = "frame_rate", Comparison = ThresholdComparison.Below, Medium = 30, High = 15, Critical = 5, Unit = "fps", AlertType = AlertType.Performance },
            new() { Metric = "system_health", Comparison = ThresholdComparison.Below, Medium = 80, High = 60, Critical = 40, Unit = "%", AlertType = AlertType.SystemHealth },
            new() { Metric = "response_time", Comparison = ThresholdComparison.Above, Medium = 100, High = 200, Critical = 500, Unit = "ms", AlertType = AlertType.Latency },
            new() { Metric = "memory_usage", Comparison = ThresholdComparison.Above, Medium = 2048, High = 4096, Critical = 8192, Unit = "MB", AlertType = AlertType.Resource },
        ];
        return all.ToImmutableSortedDictionary(t => t.Metric, t => t, StringComparer.Ordinal);
    }

    /// <summary>Sets (adds or replaces) a metric's thresholds.</summary>
    /// <exception cref="ArgumentException">The levels are not ordered for the comparison.</exception>
    public GamingThreshold SetThreshold(GamingThreshold threshold) =>
        Run("set_threshold", () =>
        {
            ArgumentNullException.ThrowIfNull(threshold);
            threshold.Validate();
            _state.Update(state => state with { Thresholds = state.Thresholds.SetItem(threshold.Metric, threshold) });
            return threshold;
        });

    /// <summary>
    /// Checks a performance sample of a game system: for each metric past a level, raises an alert or updates the open one of
    /// that system and metric (severity, value, occurrences). Metrics within limits leave open alerts as they are (resolving is explicit).
    /// </summary>
    /// <returns>The alerts raised or updated.</returns>
    public IReadOnlyList<GamingAlert> CheckPerformance(string gameSystem, IReadOnlyDictionary<string, double> sample) =>
        Run("check_performance", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(gameSystem);
            ArgumentNullException.ThrowIfNull(sample);
            var now = Time.GetUtcNow();
            return _state.Update(state =>
            {
                var touched = new List<GamingAlert>();
                var active = state.ActiveAlerts;
                var counters = state.Counters;
                foreach (var (metric, value) in sample.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!state.Thresholds.TryGetValue(metric, out var threshold) || threshold.Evaluate(value) is not { } severity)
                    {
                        continue;
                    }

                    var level = threshold.LevelOf(severity);
                    var message = string.Create(CultureInfo.InvariantCulture, $"{metric} of {gameSystem} is {value:0.##}{threshold.Unit}, {(threshold.Comparison == ThresholdComparison.Below ? "below" : "above")} the {severity.ToString().ToLowerInvariant()} level {level:0.##}{threshold.Unit}");
                    var existing = active.Values.FirstOrDefault(a => a.GameSystem == gameSystem && a.Metric == metric);
                    GamingAlert alert;
                    if (existing is null)
                    {
                        alert = new GamingAlert
                        {
                            Id = NewId("alert"),
                            GameSystem = gameSystem,
                            Metric = metric,
                            Type = threshold.AlertType,
                            Severity = severity,
                            Status = AlertStatus.Active,
                            Value = value,
                            Threshold = level,
                            Message = message,
                            CreatedAt = now,
                            UpdatedAt = now,
                        };
                        var key = severity.ToString().ToLowerInvariant();
                        counters = counters with
                        {
                            Created = counters.Created + 1,
                            BySeverity = counters.BySeverity.SetItem(key, counters.BySeverity.GetValueOrDefault(key) + 1),
                        };
                    }
                    else
                    {
                        alert = existing with { Severity = severity, Value = value, Threshold = level, Message = message, Occurrences = existing.Occurrences + 1, UpdatedAt = now };
                        counters = counters with { Updated = counters.Updated + 1 };
                    }

                    active = active.SetItem(alert.Id, alert);
                    touched.Add(alert);
                }

                return touched.Count == 0 ? (state, touched) : (state with { ActiveAlerts = active, Counters = counters }, touched);
            });
        });

    /// <summary>Acknowledges an open alert.</summary>
    /// <returns><see langword="false"/> when there is no open alert with that id.</returns>
    public bool Acknowledge(string alertId, string acknowledgedBy) =>
        Run("acknowledge_alert", () =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(acknowledgedBy);
            var now = Time.GetUtcNow();
            return _state.Update(state =>
            {
                if (alertId is null || !state.ActiveAlerts.TryGetValue(alertId, out var alert) || alert.Status == AlertStatus.Acknowledged)
                {
                    return (state, false);
                }

                var acknowledged = alert with { Status = AlertStatus.Acknowledged, AcknowledgedAt = now, AcknowledgedBy = acknowledgedBy };
                return (state with
                {
                    ActiveAlerts = state.ActiveAlerts.SetItem(alertId, acknowledged),
                    Counters = state.Counters with { Acknowledged = state.Counters.Acknowledged + 1 },
                }, true);
            });
        });

    /// <summary>Resolves an open alert: it leaves the open alerts and enters the history, once.</summary>
    /// <returns><see langword="false"/> when there is no open alert with that id (already resolved, or unknown).</returns>
    public bool Resolve(string alertId) =>
        Run("resolve_alert", () =>
        {
            var now = Time.GetUtcNow();
            return _state.Update(state =>
            {
                if (alertId is null || !state.ActiveAlerts.TryGetValue(alertId, out var alert))
                {
                    return (state, false);
                }

                return (state with
                {
                    ActiveAlerts = state.ActiveAlerts.Remove(alertId),
                    AlertHistory = state.AlertHistory.AppendBounded(alert with { Status = AlertStatus.Resolved, ResolvedAt = now }, Context.Options.HistoryLimit),
                    Counters = state.Counters with { Resolved = state.Counters.Resolved + 1 },
                }, true);
            });
        });

    /// <summary>Open alerts, optionally of one game system and/or severity, most severe first.</summary>
    public IReadOnlyList<GamingAlert> GetActiveAlerts(string? gameSystem = null, AlertSeverity? severity = null) =>
        [.. State.ActiveAlerts.Values
            .Where(a => (gameSystem is null || a.GameSystem == gameSystem) && (severity is null || a.Severity == severity))
            .OrderByDescending(a => a.Severity)
            .ThenBy(a => a.CreatedAt)];

    /// <summary>Open alerts that no sample updated within <paramref name="staleAfter"/> (default: the configured period).</summary>
    public IReadOnlyList<GamingAlert> FindStaleAlerts(TimeSpan? staleAfter = null)
    {
        var limit = staleAfter ?? Context.Options.GamingAlerts.StaleAfter;
        var now = Time.GetUtcNow();

        // Whole durations, not a seconds component: the original compared timedelta.seconds, which wraps at one day.
        return [.. State.ActiveAlerts.Values.Where(a => now - a.UpdatedAt > limit).OrderBy(a => a.UpdatedAt)];
    }

    /// <summary>Open alerts grouped by severity, type and game system.</summary>
    public AlertSummary GetSummary()
    {
        var open = State.ActiveAlerts.Values.ToList();
        return new AlertSummary(
            open.Count,
            open.GroupBy(a => a.Severity.ToString().ToLowerInvariant()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            open.GroupBy(a => a.Type.ToString()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            open.GroupBy(a => a.GameSystem).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            FindStaleAlerts().Count);
    }

    /// <summary>Clears the history of resolved alerts.</summary>
    /// <returns>How many were cleared.</returns>
    public int ClearResolved() =>
        Run("clear_resolved", () => _state.Update(state =>
            state.AlertHistory.IsEmpty
                ? (state, 0)
                : (state with { AlertHistory = [], Counters = state.Counters with { Cleared = state.Counters.Cleared + state.AlertHistory.Count } }, state.AlertHistory.Count)));

    /// <inheritdoc />
    protected override void AddSummary(IDictionary<string, object?> summary)
    {
        var alerts = GetSummary();
        summary["active_alerts"] = alerts.Open;
        summary["critical_alerts"] = alerts.BySeverity.GetValueOrDefault("critical");
        summary["stale_alerts"] = alerts.Stale;
        summary["alerts_created"] = State.Counters.Created;
        summary["alerts_resolved"] = State.Counters.Resolved;
    }

    private static GamingAlertsState Normalize(GamingAlertsState state)
    {
        var counters = state.Counters ?? new AlertCounters();
        return state with
        {
            Thresholds = state.Thresholds.Ordinal(),
            ActiveAlerts = state.ActiveAlerts.Ordinal(),
            AlertHistory = state.AlertHistory ?? [],
            Counters = counters with { BySeverity = counters.BySeverity.Ordinal() },
        };
    }
}
