using System.Diagnostics;
using System.Diagnostics.Metrics;
using StateVault.Diagnostics;

namespace StateVault.Managers.HealthThresholds;

/// <summary>
/// Measures the host's own figures and feeds them to <see cref="HealthThresholdsManager.RecordSample"/>: process CPU
/// (<c>cpu_usage</c>, % of all cores since the previous sample), process memory (<c>memory_usage</c>, working set as % of the
/// memory available to the process), and the vault's save latency (<c>response_time</c>, mean ms) and save error rate
/// (<c>error_rate</c>, % of saves that did not succeed) since the previous sample, read from the <c>StateVault</c> meter.
/// </summary>
/// <remarks>The server calls <see cref="SampleAndRecord"/> on a timer. Only the vault of this container is measured (meters are matched by their factory).</remarks>
public sealed class HostMetricsSampler : IDisposable
{
    private readonly HealthThresholdsManager _thresholds;
    private readonly TimeProvider _time;
    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private long _lastTimestamp;
    private TimeSpan _lastCpu;
    private double _saveSeconds;
    private long _saves;
    private long _failedSaves;

    /// <summary>Creates a sampler.</summary>
    /// <param name="thresholds">The manager fed.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="meterFactory">The factory the vault's meter came from; <see langword="null"/> measures every <c>StateVault</c> meter of the process.</param>
    public HostMetricsSampler(HealthThresholdsManager thresholds, TimeProvider timeProvider, IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        _thresholds = thresholds;
        _time = timeProvider ?? TimeProvider.System;
        _lastTimestamp = _time.GetTimestamp();
        using (var process = Process.GetCurrentProcess())
        {
            _lastCpu = process.TotalProcessorTime;
        }

        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StateVaultMetrics.MeterName
                && instrument.Name == "statevault.save.duration"
                && (meterFactory is null || ReferenceEquals(instrument.Meter.Scope, meterFactory)))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnSave);
        _listener.Start();
    }

    /// <summary>Takes one sample of every figure and records each with the thresholds manager.</summary>
    /// <returns>The values recorded, by metric.</returns>
    public IReadOnlyDictionary<string, double> SampleAndRecord()
    {
        var now = _time.GetTimestamp();
        TimeSpan cpu;
        long workingSet;
        using (var process = Process.GetCurrentProcess())
        {
            cpu = process.TotalProcessorTime;
            workingSet = process.WorkingSet64;
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        lock (_lock)
        {
            var wall = _time.GetElapsedTime(_lastTimestamp, now);
            if (wall > TimeSpan.Zero)
            {
                values["cpu_usage"] = Math.Round(Math.Clamp(100 * (cpu - _lastCpu).TotalSeconds / (wall.TotalSeconds * Environment.ProcessorCount), 0, 100), 2);
            }

            if (_saves > 0)
            {
                values["response_time"] = Math.Round(_saveSeconds / _saves * 1000, 3);
                values["error_rate"] = Math.Round(100.0 * _failedSaves / _saves, 2);
            }

            _lastTimestamp = now;
            _lastCpu = cpu;
            _saveSeconds = 0;
            _saves = 0;
            _failedSaves = 0;
        }

        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0)
        {
            values["memory_usage"] = Math.Round(100.0 * workingSet / available, 2);
        }

        foreach (var (metric, value) in values)
        {
            _thresholds.RecordSample(metric, value);
        }

        return values;
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void OnSave(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var succeeded = false;
        foreach (var tag in tags)
        {
            if (tag.Key == "result")
            {
                succeeded = tag.Value is "success";
            }
        }

        lock (_lock)
        {
            _saves++;
            _saveSeconds += seconds;
            if (!succeeded)
            {
                _failedSaves++;
            }
        }
    }
}
