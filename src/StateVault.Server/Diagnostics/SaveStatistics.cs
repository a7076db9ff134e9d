using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using StateVault.Diagnostics;
using StateVault.Server.Events;

namespace StateVault.Server.Diagnostics;

/// <summary>
/// Save outcomes per system since the server started, read from the vault's own <c>statevault.saves</c> counter (so saves
/// by the managers, the API and restores all count), for the dashboard's success rate. Each save is also published as a
/// live update.
/// </summary>
internal sealed class SaveStatistics : IDisposable
{
    private readonly ConcurrentDictionary<string, Counts> _bySystem = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();
    private readonly TimeProvider _time;
    private readonly ServerEventHub _events;

    public SaveStatistics(IMeterFactory meterFactory, TimeProvider timeProvider, ServerEventHub events)
    {
        _time = timeProvider;
        _events = events;

        // Only this host's meter (its IMeterFactory is the scope): other hosts in the same process keep their own figures.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StateVaultMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory) && instrument.Name == "statevault.saves")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnSave);
        _listener.Start();
    }

    public SaveStats Get(string system) =>
        _bySystem.TryGetValue(system, out var counts) ? counts.ToStats() : new SaveStats(0, 0, 0, 0, null);

    public void Dispose() => _listener.Dispose();

    private void OnSave(Instrument instrument, long measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? system = null;
        string? result = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "system")
            {
                system = tag.Value as string;
            }
            else if (tag.Key == "result")
            {
                result = tag.Value as string;
            }
        }

        if (system is null || result is null)
        {
            return;
        }

        _bySystem.GetOrAdd(system, _ => new Counts()).Add(result, measurement, _time.GetUtcNow());
        _events.Publish(new ServerEvent("saved", system, Result: result));
    }

    private sealed class Counts
    {
        private long _succeeded;
        private long _failed;
        private long _conflicts;
        private long _rejected;
        private long _lastTicks;

        public void Add(string result, long count, DateTimeOffset now)
        {
            switch (result)
            {
                case "success": Interlocked.Add(ref _succeeded, count); break;
                case "conflict": Interlocked.Add(ref _conflicts, count); break;
                case "rejected": Interlocked.Add(ref _rejected, count); break;
                default: Interlocked.Add(ref _failed, count); break;
            }

            Interlocked.Exchange(ref _lastTicks, now.UtcTicks);
        }

        public SaveStats ToStats()
        {
            var ticks = Interlocked.Read(ref _lastTicks);
            return new SaveStats(
                Interlocked.Read(ref _succeeded),
                Interlocked.Read(ref _failed),
                Interlocked.Read(ref _conflicts),
                Interlocked.Read(ref _rejected),
                ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero));
        }
    }
}

/// <summary>Save outcomes of one system since the server started.</summary>
/// <param name="Succeeded">Acknowledged saves (restores included).</param>
/// <param name="Failed">Saves the store failed.</param>
/// <param name="Conflicts">Conditional saves that lost to another writer.</param>
/// <param name="Rejected">Saves refused for a secret-looking value.</param>
/// <param name="LastAttemptUtc">When the last save was attempted.</param>
internal sealed record SaveStats(long Succeeded, long Failed, long Conflicts, long Rejected, DateTimeOffset? LastAttemptUtc)
{
    /// <summary>Succeeded / (succeeded + failed); conflicts and rejections are the caller's, not the store's. Null before any save.</summary>
    public double? SuccessRate => Succeeded + Failed == 0 ? null : (double)Succeeded / (Succeeded + Failed);
}
