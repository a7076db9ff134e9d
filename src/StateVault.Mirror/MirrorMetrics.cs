using System.Diagnostics;
using System.Diagnostics.Metrics;
using StateVault.Diagnostics;

namespace StateVault.Mirror;

/// <summary>The mirror's instruments on the <c>StateVault</c> meter.</summary>
internal sealed class MirrorMetrics : IDisposable
{
    private const string MeterName = "StateVault";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _snapshots;
    private readonly Histogram<double> _catchUpDuration;
    private readonly string _secondaryKind;

    public MirrorMetrics(IMeterFactory? meterFactory, string secondaryKind, Func<int> pending)
    {
        _secondaryKind = secondaryKind;
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create(MeterName);
        }
        else
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }

        _snapshots = _meter.CreateCounter<long>(
            "statevault.mirror.snapshots",
            unit: "{snapshot}",
            description: "Snapshots handled by mirror replication, by result (copied, repaired, present, skipped, pruned, failed).");
        _catchUpDuration = _meter.CreateHistogram(
            "statevault.mirror.catchup.duration",
            unit: "s",
            description: "Duration of mirror catch-up passes.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StateVaultMetrics.DurationBuckets });
        _meter.CreateObservableUpDownCounter(
            "statevault.mirror.pending",
            () => new Measurement<int>(pending(), new TagList { { "store", _secondaryKind } }),
            unit: "{snapshot}",
            description: "Snapshots saved on the primary and queued for copying to the secondary.");
    }

    public void Record(string system, string result, int count = 1)
    {
        if (count > 0)
        {
            _snapshots.Add(count, new TagList { { "system", system }, { "store", _secondaryKind }, { "result", result } });
        }
    }

    public void RecordCatchUp(TimeSpan elapsed, bool succeeded) =>
        _catchUpDuration.Record(elapsed.TotalSeconds, new TagList { { "store", _secondaryKind }, { "result", succeeded ? "success" : "failure" } });

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
