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
    private readonly Lock _labelGate = new();

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

        _saveDuration = _meter.CreateHistogram<double>("statevault.save.duration", unit: "s", description: "Duration of snapshot saves.");
        _saveBytes = _meter.CreateHistogram<long>("statevault.save.bytes", unit: "By", description: "Stored size of saved snapshots.");
        _saves = _meter.CreateCounter<long>("statevault.saves", unit: "{save}", description: "Saves by result (success, conflict, rejected, failure).");
        _fallbacks = _meter.CreateCounter<long>("statevault.load.fallbacks", unit: "{load}", description: "Loads that skipped newer snapshots and fell back to an older one.");
        _corrupt = _meter.CreateCounter<long>("statevault.snapshots.corrupt", unit: "{snapshot}", description: "Corrupt snapshots found.");
        _pruned = _meter.CreateCounter<long>("statevault.snapshots.pruned", unit: "{snapshot}", description: "Snapshots removed by retention.");
        _loadDuration = _meter.CreateHistogram<double>("statevault.load.duration", unit: "s", description: "Duration of loads of the newest valid snapshot.");
    }

    internal void RecordSave(string system, string store, string result, TimeSpan elapsed, long storedBytes)
    {
        var tags = new TagList { { "system", Label(system) }, { "store", store }, { "result", result } };
        _saves.Add(1, tags);
        _saveDuration.Record(elapsed.TotalSeconds, tags);
        if (storedBytes > 0)
        {
            _saveBytes.Record(storedBytes, new TagList { { "system", Label(system) }, { "store", store } });
        }
    }

    internal void RecordLoad(string system, string store, TimeSpan elapsed, bool fellBack)
    {
        var tags = new TagList { { "system", Label(system) }, { "store", store } };
        _loadDuration.Record(elapsed.TotalSeconds, tags);
        if (fellBack)
        {
            _fallbacks.Add(1, tags);
        }
    }

    internal void RecordCorrupt(string system, string store) => _corrupt.Add(1, new TagList { { "system", Label(system) }, { "store", store } });

    internal void RecordPruned(string system, string store, int count) => _pruned.Add(count, new TagList { { "system", Label(system) }, { "store", store } });

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
