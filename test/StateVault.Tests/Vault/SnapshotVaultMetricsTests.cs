using System.Text.Json.Nodes;
using StateVault.Retention;
using StateVault.TestKit;
using StateVault.Tests.Support;

namespace StateVault.Tests.Vault;

public sealed class SnapshotVaultMetricsTests : IAsyncLifetime
{
    private readonly VaultHarness _h = new();

    private static CancellationToken Ct => VaultHarness.Ct;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task SaveAsync_Success_RecordsDurationBytesAndResult()
    {
        var sut = _h.CreateVault();

        var saved = await sut.SaveAsync("m_sys", new JsonObject { ["a"] = 1 }, cancellationToken: Ct);

        var duration = Assert.Single(_h.Metrics.Of("statevault.save.duration"));
        Assert.Equal("s", duration.Unit);
        Assert.True(duration.Value >= 0);
        Assert.Equal("m_sys", duration.Tags["system"]);
        Assert.Equal("file", duration.Tags["store"]);
        Assert.Equal("success", duration.Tags["result"]);
        var bytes = Assert.Single(_h.Metrics.Of("statevault.save.bytes"));
        Assert.Equal(saved.StoredLength, bytes.Value);
        Assert.Equal(1, _h.Metrics.Sum("statevault.saves", ("system", "m_sys"), ("result", "success")));
    }

    [Fact]
    public async Task Metrics_ListenerSubscribingAfterTheFirstSave_GetsTheSystemsZeroSeriesAtTheNextSave()
    {
        using var factory = new LateMeterFactory();
        await using var sut = new SnapshotVault(_h.Store, new SnapshotVaultOptions(), _h.Logger, _h.Clock, factory);
        await sut.SaveAsync("m_late", new JsonObject { ["a"] = 1 }, cancellationToken: Ct);
        Assert.NotNull(await sut.LoadLatestAsync<JsonObject>("m_late", Ct));

        // Nobody listened to those: they started no series. The first save a listener sees starts the system's series.
        var seen = new List<(string Instrument, double Value, string? System)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, factory.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => seen.Add((instrument.Name, value, SystemTag(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => seen.Add((instrument.Name, value, SystemTag(tags))));
        listener.Start();
        await sut.SaveAsync("m_late", new JsonObject { ["a"] = 2 }, cancellationToken: Ct);

        Assert.Contains(("statevault.snapshots.corrupt", 0d, "m_late"), seen);
        Assert.Contains(("statevault.load.fallbacks", 0d, "m_late"), seen);
        Assert.Contains(("statevault.saves", 1d, "m_late"), seen);

        static string? SystemTag(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "system")
                {
                    return tag.Value as string;
                }
            }

            return null;
        }
    }

    /// <summary>A meter factory with nobody listening to its meter until a test subscribes.</summary>
    private sealed class LateMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter? Meter { get; private set; }

        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) =>
            Meter = new System.Diagnostics.Metrics.Meter(options.Name, options.Version, options.Tags, scope: this);

        public void Dispose() => Meter?.Dispose();
    }

    [Fact]
    public async Task SaveAsync_ConflictRejectionAndFailure_AreCountedByResult()
    {
        var flaky = new FlakyStore(_h.Store);
        var sut = _h.CreateVault(o => o.MaxRetryAttempts = 0, flaky);
        await sut.SaveAsync("m_sys", new JsonObject { ["a"] = 1 }, cancellationToken: Ct);

        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => sut.SaveAsync("m_sys", new JsonObject(), new SaveOptions { ExpectedLatestSequence = 0 }, Ct));
        await Assert.ThrowsAsync<SecretDetectedException>(() => sut.SaveAsync("m_sys", new JsonObject { ["k"] = FakeSecrets.GitHubClassic }, cancellationToken: Ct));
        flaky.AppendFailures = 1;
        await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.SaveAsync("m_sys", new JsonObject(), cancellationToken: Ct));

        Assert.Equal(1, _h.Metrics.Sum("statevault.saves", ("result", "success")));
        Assert.Equal(1, _h.Metrics.Sum("statevault.saves", ("result", "conflict")));
        Assert.Equal(1, _h.Metrics.Sum("statevault.saves", ("result", "rejected")));
        Assert.Equal(1, _h.Metrics.Sum("statevault.saves", ("result", "failure")));
        Assert.Equal(4, _h.Metrics.Of("statevault.save.duration").Count);
        Assert.Single(_h.Metrics.Of("statevault.save.bytes"));
    }

    [Fact]
    public async Task LoadLatestAsync_AfterCorruption_CountsFallbackAndCorruptOnce()
    {
        var sut = _h.CreateVault(o => o.Retention = RetentionPolicy.KeepAll);
        await sut.SaveAsync("m_sys", new JsonObject { ["a"] = 1 }, cancellationToken: Ct);
        await sut.SaveAsync("m_sys", new JsonObject { ["a"] = 2 }, cancellationToken: Ct);
        _h.Corrupt("m_sys", 2);

        await sut.LoadLatestAsync<JsonObject>("m_sys", Ct);
        await sut.LoadLatestAsync<JsonObject>("m_sys", Ct);

        Assert.Equal(1, _h.Metrics.Sum("statevault.load.fallbacks", ("system", "m_sys")));
        Assert.Equal(1, _h.Metrics.Sum("statevault.snapshots.corrupt", ("system", "m_sys"), ("store", "file")));
        Assert.Equal(2, _h.Metrics.Of("statevault.load.duration").Count);
    }

    [Fact]
    public async Task PruneAsync_WithDamagedSnapshot_CountsCorruptOnceAndPruned()
    {
        var sut = _h.CreateVault(o => o.PruneAfterSave = false);
        for (var i = 0; i < 5; i++)
        {
            await sut.SaveAsync("m_sys", new JsonObject { ["i"] = i }, cancellationToken: Ct);
        }

        File.WriteAllBytes(_h.SnapshotPath("m_sys", 5), File.ReadAllBytes(_h.SnapshotPath("m_sys", 5))[..^1]);

        await sut.PruneAsync("m_sys", new RetentionPolicy { KeepLast = 2 }, cancellationToken: Ct);

        Assert.Equal(1, _h.Metrics.Sum("statevault.snapshots.corrupt"));
        Assert.Equal(2, _h.Metrics.Sum("statevault.snapshots.pruned", ("system", "m_sys")));
        Assert.Equal([3L, 4L], _h.StoredSequences("m_sys"));
    }

    [Fact]
    public async Task SaveAsync_DefaultRetention_CountsPrunedSnapshots()
    {
        var sut = _h.CreateVault();

        for (var i = 0; i < 7; i++)
        {
            await sut.SaveAsync("m_sys", new JsonObject { ["i"] = i }, cancellationToken: Ct);
        }

        Assert.Equal(2, _h.Metrics.Sum("statevault.snapshots.pruned"));
        Assert.Equal(0, _h.Metrics.Sum("statevault.snapshots.corrupt"));
    }
}
