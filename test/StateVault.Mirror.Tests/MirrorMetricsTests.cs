using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StateVault.Retention;
using StateVault.Storage;

namespace StateVault.Mirror.Tests;

/// <summary>The mirror's instruments on the <c>StateVault</c> meter, read with a <see cref="MeterListener"/>.</summary>
public sealed class MirrorMetricsTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sv-mirror-metrics-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReplicateNow_CopiesAndSkips_AreCountedByResultAndPendingIsObserved()
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var counts = new ConcurrentDictionary<string, long>();
        var pending = new ConcurrentBag<int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meterFactory) && instrument.Name.StartsWith("statevault.mirror.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var result = tags.ToArray().Single(t => t.Key == "result").Value!.ToString()!;
            counts.AddOrUpdate(result, value, (_, sum) => sum + value);
        });
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => pending.Add(value));
        listener.Start();

        var options = new MirrorSnapshotStoreOptions { SecondaryRetention = new RetentionPolicy { KeepLast = 2 }, CatchUpOnStart = false };
        await using var sut = new MirrorSnapshotStore(
            FileSnapshotStoreProvider.Create(Path.Combine(_root, "p")),
            FileSnapshotStoreProvider.Create(Path.Combine(_root, "s")),
            options,
            ownsStores: true,
            meterFactory: meterFactory);
        await using var vault = new SnapshotVault(sut, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll });
        for (var i = 1; i <= 4; i++)
        {
            await vault.SaveAsync("metered", new JsonObject { ["i"] = i }, cancellationToken: Ct);
        }

        await sut.ReplicateNowAsync(Ct);
        listener.RecordObservableInstruments();

        // Each save is copied as it comes and the secondary keeps 2; the final catch-up skips the two it would remove.
        Assert.Equal(4, counts.GetValueOrDefault("copied"));
        Assert.Equal(2, counts.GetValueOrDefault("pruned"));
        Assert.Equal(2, counts.GetValueOrDefault("skipped"));
        Assert.False(counts.ContainsKey("failed"));
        Assert.Contains(0, pending);
    }

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
