using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace StateVault.Diagnostics;

/// <summary>The instruments of the <c>StateVault</c> meter.</summary>
public sealed class StateVaultMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "StateVault";

    /// <summary>The <c>system</c> tag of every system past <see cref="SnapshotVaultOptions.MetricsSystemLabelLimit"/> (no system name starts with '_').</summary>
    public const string OtherSystemsLabel = "_other";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _saveDuration;
    private readonly Histogram<long> _saveBytes;
    private readonly Counter<long> _saves;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _corrupt;
    private readonly Counter<long> _pruned;
    private readonly Histogram<double> _loadDuration;
    private readonly int _systemLabelLimit;
    private readonly ConcurrentDictionary<string, bool> _labelledSystems = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string System, string Store), bool> _seriesStarted = new();
    private readonly Lock _labelGate = new();

    /// <summary>
    /// Bucket boundaries of the duration histograms, in seconds: 0.5 ms (a save to a warm local disk) to 10 s (a slow remote
    /// store). OpenTelemetry's defaults (0, 5, 10, 25 … 10000) are meant for milliseconds and put every save in one bucket.
    /// </summary>
    public static IReadOnlyList<double> DurationBuckets { get; } = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Bucket boundaries of the size histograms, in bytes: 1 KiB to 256 MiB (the largest state the server accepts), times 4.</summary>
    public static IReadOnlyList<long> SizeBuckets { get; } = [1L << 10, 1L << 12, 1L << 14, 1L << 16, 1L << 18, 1L << 20, 1L << 22, 1L << 24, 1L << 26, 1L << 28];

    private static readonly string[] s_saveResults = ["success", "conflict", "rejected", "failure"];

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>, or on an own meter when none is given.</summary>
    /// <param name="meterFactory">Source of the meter.</param>
    /// <param name="systemLabelLimit">
    /// How many distinct systems get their own <c>system</c> tag value; later ones are tagged <see cref="OtherSystemsLabel"/>,
    /// so a caller creating systems cannot grow the number of series without bound.
    /// </param>
    public StateVaultMetrics(IMeterFactory? meterFactory = null, int systemLabelLimit = SnapshotVaultOptions.DefaultMetricsSystemLabelLimit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(systemLabelLimit);
        _systemLabelLimit = systemLabelLimit;
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create(MeterName);
        }
        else
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }

        // Instrument advice: every exporter (Prometheus, OTLP) picks these boundaries up without a view of its own.
        var durationAdvice = new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets };
        _saveDuration = _meter.CreateHistogram("statevault.save.duration", unit: "s", description: "Duration of snapshot saves.", tags: null, advice: durationAdvice);
        _saveBytes = _meter.CreateHistogram("statevault.save.bytes", unit: "By", description: "Stored size of saved snapshots.", tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = SizeBuckets });
        _saves = _meter.CreateCounter<long>("statevault.saves", unit: "{save}", description: "Saves by result (success, conflict, rejected, failure).");
        _fallbacks = _meter.CreateCounter<long>("statevault.load.fallbacks", unit: "{load}", description: "Loads that skipped newer snapshots and fell back to an older one.");
        _corrupt = _meter.CreateCounter<long>("statevault.snapshots.corrupt", unit: "{snapshot}", description: "Corrupt snapshots found.");
        _pruned = _meter.CreateCounter<long>("statevault.snapshots.pruned", unit: "{snapshot}", description: "Snapshots removed by retention.");
        _loadDuration = _meter.CreateHistogram("statevault.load.duration", unit: "s", description: "Duration of loads of the newest valid snapshot.", tags: null, advice: durationAdvice);
    }

    /// <summary>
    /// Whether a listener takes measurements from any instrument here. With none, a record does nothing at all: no system is
    /// labelled and no series is started, so the first record after a listener subscribes starts them, zeros included.
    /// (Done anyway, that work was about a tenth of a 1 KiB load with cold caches: `coldload` benchmark.)
    /// </summary>
    private bool Listened =>
        _saves.Enabled || _saveDuration.Enabled || _saveBytes.Enabled || _fallbacks.Enabled || _corrupt.Enabled || _pruned.Enabled || _loadDuration.Enabled;

    internal void RecordSave(string system, string store, string result, TimeSpan elapsed, long storedBytes)
    {
        if (!Listened)
        {
            return;
        }

        var label = Label(system);
        StartSeries(label, store);
        var tags = new TagList { { "system", label }, { "store", store }, { "result", result } };
        _saves.Add(1, tags);
        _saveDuration.Record(elapsed.TotalSeconds, tags);
        if (storedBytes > 0)
        {
            _saveBytes.Record(storedBytes, new TagList { { "system", label }, { "store", store } });
        }
    }

    internal void RecordLoad(string system, string store, TimeSpan elapsed, bool fellBack)
    {
        if (!Listened)
        {
            return;
        }

        var label = Label(system);
        StartSeries(label, store);
        var tags = new TagList { { "system", label }, { "store", store } };
        _loadDuration.Record(elapsed.TotalSeconds, tags);
        if (fellBack)
        {
            _fallbacks.Add(1, tags);
        }
    }

    internal void RecordCorrupt(string system, string store)
    {
        if (!Listened)
        {
            return;
        }

        var label = Label(system);
        StartSeries(label, store);
        _corrupt.Add(1, new TagList { { "system", label }, { "store", store } });
    }

    internal void RecordPruned(string system, string store, int count)
    {
        if (!Listened)
        {
            return;
        }

        var label = Label(system);
        StartSeries(label, store);
        _pruned.Add(count, new TagList { { "system", label }, { "store", store } });
    }

    /// <summary>
    /// The first time a system is seen on a store, every counter's series for it starts at 0: a scraper sees a fallback,
    /// corruption, prune or failed save as an increase (<c>rate()</c>, <c>increase()</c>), not as a series that appears
    /// with its first event. Bounded as the labels are (at most the label limit plus <c>_other</c>, per store).
    /// </summary>
    private void StartSeries(string label, string store)
    {
        if (!_seriesStarted.TryAdd((label, store), true))
        {
            return;
        }

        var tags = new TagList { { "system", label }, { "store", store } };
        _fallbacks.Add(0, tags);
        _corrupt.Add(0, tags);
        _pruned.Add(0, tags);
        foreach (var result in s_saveResults)
        {
            _saves.Add(0, new TagList { { "system", label }, { "store", store }, { "result", result } });
        }
    }

    private string Label(string system)
    {
        if (_labelledSystems.ContainsKey(system))
        {
            return system;
        }

        lock (_labelGate)
        {
            if (_labelledSystems.Count >= _systemLabelLimit)
            {
                return OtherSystemsLabel;
            }

            _labelledSystems.TryAdd(system, true);
            return system;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
