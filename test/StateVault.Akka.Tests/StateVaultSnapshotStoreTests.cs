using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;
using AkkaSnapshotMetadata = Akka.Persistence.SnapshotMetadata;

namespace StateVault.Akka.Tests;

/// <summary>The plugin in a real ActorSystem on a file store, driven by the snapshot store protocol messages.</summary>
public sealed class StateVaultSnapshotStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _temp = new();
    private ActorSystem _system = null!;
    private IActorRef _sut = null!;

    public ValueTask InitializeAsync()
    {
        Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _system.Terminate();
        _temp.Dispose();
    }

    [Fact]
    public async Task SaveAsync_SameSequenceNrTwice_LoadReturnsTheNewerOne()
    {
        var first = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await SaveAsync(new AkkaSnapshotMetadata("order-1", 5, first), "old");
        await SaveAsync(new AkkaSnapshotMetadata("order-1", 5, first.AddSeconds(1)), "new");

        var loaded = await LoadAsync("order-1", SnapshotSelectionCriteria.Latest);
        // A timestamp bound that only the older version meets must not bring the overwritten version back.
        var bounded = await LoadAsync("order-1", new SnapshotSelectionCriteria(long.MaxValue, first));

        Assert.Equal("new", loaded.Snapshot.Snapshot);
        Assert.Null(bounded.Snapshot);
    }

    [Fact]
    public async Task LoadAsync_Criteria_SelectsNewestWithinAllFourBounds()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 1; i <= 4; i++)
        {
            await SaveAsync(new AkkaSnapshotMetadata("acct", i * 10, t0.AddMinutes(i)), $"s{i}");
        }

        Assert.Equal("s3", (await LoadAsync("acct", new SnapshotSelectionCriteria(35))).Snapshot.Snapshot);
        Assert.Equal("s2", (await LoadAsync("acct", new SnapshotSelectionCriteria(long.MaxValue, t0.AddMinutes(2.5)))).Snapshot.Snapshot);
        Assert.Null((await LoadAsync("acct", new SnapshotSelectionCriteria(35, DateTime.MaxValue, 31, null))).Snapshot);
        Assert.Null((await LoadAsync("acct", new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue, 0, t0.AddMinutes(5)))).Snapshot);
        Assert.Equal("s4", (await LoadAsync("acct", new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue, 15, t0.AddMinutes(4)))).Snapshot.Snapshot);
    }

    [Fact]
    public async Task DeleteSnapshots_Criteria_RemovesOnlyMatchingSnapshots()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 1; i <= 3; i++)
        {
            await SaveAsync(new AkkaSnapshotMetadata("cart", i, t0.AddMinutes(i)), $"s{i}");
        }

        await _sut.Ask<DeleteSnapshotsSuccess>(new DeleteSnapshots("cart", new SnapshotSelectionCriteria(2)), s_timeout, TestContext.Current.CancellationToken);

        Assert.Equal("s3", (await LoadAsync("cart", SnapshotSelectionCriteria.Latest)).Snapshot.Snapshot);
        Assert.Null((await LoadAsync("cart", new SnapshotSelectionCriteria(2))).Snapshot);
    }

    [Fact]
    public async Task LoadAsync_NewestSnapshotDamaged_FallsBackToTheOlderOne()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await SaveAsync(new AkkaSnapshotMetadata("dmg", 1, t0), "good");
        await SaveAsync(new AkkaSnapshotMetadata("dmg", 2, t0.AddMinutes(1)), "damaged");
        var newest = Directory.GetFiles(Path.Combine(_temp.Store, "akka.dmg")).Order(StringComparer.Ordinal).Last();
        var bytes = await File.ReadAllBytesAsync(newest, TestContext.Current.CancellationToken);
        bytes[^3] ^= 0xFF;
        await File.WriteAllBytesAsync(newest, bytes, TestContext.Current.CancellationToken);

        var loaded = await LoadAsync("dmg", SnapshotSelectionCriteria.Latest);

        Assert.Equal("good", loaded.Snapshot.Snapshot);
        Assert.Equal(1, loaded.Snapshot.Metadata.SequenceNr);
    }

    [Fact]
    public async Task SaveAsync_BinaryPayloadWithSecret_FailsAndStoresNothing()
    {
        var payload = System.Text.Encoding.ASCII.GetBytes("\u0001\u0002key=AKIAIOSFODNN7EXAMPLE\u0003");

        var reply = await _sut.Ask<object>(new SaveSnapshot(new AkkaSnapshotMetadata("bin", 1, DateTime.UtcNow), payload), s_timeout, TestContext.Current.CancellationToken);

        var failure = Assert.IsType<SaveSnapshotFailure>(reply);
        Assert.IsType<SecretDetectedException>(failure.Cause);
        await using var vault = new SnapshotVault(FileSnapshotStoreProvider.Create(_temp.Store), ownsStore: true);
        Assert.Equal(0, await vault.GetLatestSequenceAsync("akka.bin", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task SaveAsync_PersistenceId_StoredUnderItsMappedSystemName()
    {
        await SaveAsync(new AkkaSnapshotMetadata("Order/42", 1, DateTime.UtcNow), "x");

        await using var vault = new SnapshotVault(FileSnapshotStoreProvider.Create(_temp.Store), ownsStore: true);
        var systems = await vault.ListSystemsAsync(TestContext.Current.CancellationToken);
        Assert.Equal("akka._4frder_2f42", Assert.Single(systems).Name);
        Assert.Equal("akka._4frder_2f42", StateVaultSnapshotStoreNames.GetSystemName("akka", "Order/42"));
    }

    [Fact]
    public async Task LoadAsync_AfterRestart_ReturnsTheSavedSnapshot()
    {
        await SaveAsync(new AkkaSnapshotMetadata("restart", 3, DateTime.UtcNow), new byte[] { 0, 1, 2, 255 });
        await _system.Terminate();
        Start();

        var loaded = await LoadAsync("restart", SnapshotSelectionCriteria.Latest);

        Assert.Equal(new byte[] { 0, 1, 2, 255 }, loaded.Snapshot.Snapshot);
    }

    private void Start()
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.statevault"
            akka.persistence.snapshot-store.statevault.store = "file:{{_temp.Store}}"
            """).WithFallback(StateVaultPersistence.DefaultConfiguration());
        _system = ActorSystem.Create("svtest", config);
        _sut = Persistence.Instance.Apply(_system).SnapshotStoreFor(null);
    }

    private Task<SaveSnapshotSuccess> SaveAsync(AkkaSnapshotMetadata metadata, object snapshot) =>
        _sut.Ask<SaveSnapshotSuccess>(new SaveSnapshot(metadata, snapshot), s_timeout, TestContext.Current.CancellationToken);

    private Task<LoadSnapshotResult> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria) =>
        _sut.Ask<LoadSnapshotResult>(new LoadSnapshot(persistenceId, criteria, long.MaxValue), s_timeout, TestContext.Current.CancellationToken);
}
