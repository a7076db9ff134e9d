using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using StateVault.Hosting;
using StateVault.Managers.Core;
using StateVault.Managers.Dependencies;
using StateVault.Managers.HealthThresholds;
using StateVault.Storage;
using Xunit;

namespace StateVault.Managers.Tests.Common;

/// <summary>Durable manager operations (acknowledged = in a durable snapshot), deferred mode, and telemetry kept out of the state.</summary>
public sealed class DurableOperationsTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task SetConfigAsync_Returns_ChangeIsInTheNewestSnapshotWithoutAnyTimePassing()
    {
        await using var host = ManagerHost.Create(_dir.Store, _time);
        await host.Host.StartAsync(Ct);
        var sut = host.Manager<CoreManager>();

        await sut.SetConfigAsync("mode", "fast", Ct);

        var saved = await host.Vault.LoadLatestJsonAsync(CoreManager.ManagerName, Ct);
        Assert.Equal("fast", JsonNode.Parse(saved!.Json.Span)!["config"]!["mode"]!.GetValue<string>());
        Assert.False(host.Persistence.GetStatus(CoreManager.ManagerName).Dirty);
        await host.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task SetConfigAsync_Deferred_ReturnsBeforeTheSaveAndTheAutosaveStoresIt()
    {
        await using var host = ManagerHost.Create(_dir.Store, _time, hosting: o => o.Durability = StateVaultDurability.Deferred);
        await host.Host.StartAsync(Ct);
        var sut = host.Manager<CoreManager>();
        _time.Advance(TimeSpan.FromMinutes(1)); // let the start-up autosave settle
        await Eventually.TrueAsync(() => host.Persistence.GetStatuses().All(s => !s.Dirty), "start-up saves");

        await sut.SetConfigAsync("mode", "fast", Ct);

        Assert.True(host.Persistence.GetStatus(CoreManager.ManagerName).Dirty);
        _time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => !host.Persistence.GetStatus(CoreManager.ManagerName).Dirty, "the debounced save");
        var saved = await host.Vault.LoadLatestJsonAsync(CoreManager.ManagerName, Ct);
        Assert.Equal("fast", JsonNode.Parse(saved!.Json.Span)!["config"]!["mode"]!.GetValue<string>());
        await host.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task SetConfigAsync_SecretValue_RefusedBeforeAnythingIsChangedOrAcknowledged()
    {
        await using var host = ManagerHost.Create(_dir.Store, _time);
        await host.Host.StartAsync(Ct);
        var sut = host.Manager<CoreManager>();
        var before = await host.Vault.GetLatestSequenceAsync(CoreManager.ManagerName, Ct);

        await Assert.ThrowsAsync<SecretDetectedException>(() => sut.SetConfigAsync("token", TestKeys.AnthropicApi, Ct));

        Assert.False(sut.State.Config.ContainsKey("token"));
        Assert.Equal(before, await host.Vault.GetLatestSequenceAsync(CoreManager.ManagerName, Ct));
        await host.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task RecordSample_Repeatedly_KeptInMemoryOnlyAndNeverStored()
    {
        await using var host = ManagerHost.Create(_dir.Store, _time);
        await host.Host.StartAsync(Ct);
        var sut = host.Manager<HealthThresholdsManager>();
        await sut.EvaluateAsync("cpu_usage", 99, Ct); // a real validation request: stored
        var validations = sut.State.ValidationOperations.Count;
        var sequence = await host.Vault.GetLatestSequenceAsync(HealthThresholdsManager.ManagerName, Ct);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HealthLevel.Critical, sut.RecordSample("cpu_usage", 97 + (i % 2)));
        }

        Assert.Equal(98, sut.LatestSamples["cpu_usage"].Value);
        Assert.Equal(validations, sut.State.ValidationOperations.Count);
        Assert.False(host.Persistence.GetStatus(HealthThresholdsManager.ManagerName).Dirty);
        Assert.Equal(sequence, await host.Vault.GetLatestSequenceAsync(HealthThresholdsManager.ManagerName, Ct));
        await host.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task Restore_DependenciesSnapshotOfSchema1WithCacheCounters_UpcastsAndDropsThem()
    {
        // A snapshot as the previous version wrote it: schema 1, with the cache counters stored as state.
        const string Old = """
            {"dependencies":{"svc":{"name":"svc","kind":"tcp","target":"127.0.0.1:9","critical":true,"status":"available","checks":4,"failures":0,"consecutive_failures":0}},
             "check_history":[],"failed_dependencies":{},"cache_hits":17,"cache_misses":4,"legacy":null}
            """;
        await using (var vault = new SnapshotVault(FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = _dir.Store, Durable = false }), ownsStore: true))
        {
            await vault.SaveJsonAsync(DependenciesManager.ManagerName, Encoding.UTF8.GetBytes(Old), new SaveOptions { StateType = "dependencies", SchemaVersion = 1 }, Ct);
        }

        await using var host = ManagerHost.Create(_dir.Store, _time);
        await host.Host.StartAsync(Ct);
        var sut = host.Manager<DependenciesManager>();

        var restore = host.Persistence.GetStatus(DependenciesManager.ManagerName).Restore!;
        Assert.Equal(1, restore.Sequence);
        Assert.False(restore.FellBack);
        Assert.True(sut.State.Dependencies["svc"].Critical);
        Assert.Equal(4, sut.State.Dependencies["svc"].Checks);

        await sut.DeclareAsync("other", DependencyKind.Assembly, "System.Runtime", cancellationToken: Ct);
        var saved = await host.Vault.LoadLatestJsonAsync(DependenciesManager.ManagerName, Ct);
        Assert.Equal(2, saved!.Metadata.SchemaVersion);
        var json = JsonNode.Parse(saved.Json.Span)!.AsObject();
        Assert.False(json.ContainsKey("cache_hits"));
        Assert.False(json.ContainsKey("cache_misses"));
        Assert.True(json["dependencies"]!.AsObject().ContainsKey("svc"));
        await host.Host.StopAsync(Ct);
    }
}
