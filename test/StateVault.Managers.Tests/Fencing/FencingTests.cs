using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using StateVault.Hosting;
using StateVault.Managers.AiMlCore;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Core;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Managers.Tests.Fencing;

/// <summary>
/// Fencing: every manager save is a compare-and-set on the newest sequence the manager saw. Two hosts on one store: the
/// save that loses the race never lands; the loser reloads the newest state and reports the conflict.
/// </summary>
public sealed class FencingTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task SetConfigAsync_SecondHostSavesAfterTheFirst_RefusedAndSecondHostShowsTheFirstsChange()
    {
        await using var first = ManagerHost.Create(_dir.Store, _time);
        await using var second = ManagerHost.Create(_dir.Store, _time);
        await first.Host.StartAsync(Ct);
        await second.Host.StartAsync(Ct);
        var a = first.Manager<CoreManager>();
        var sut = second.Manager<CoreManager>();

        await a.SetConfigAsync("mode", "from-a", Ct);
        var conflict = await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => sut.SetConfigAsync("mode", "from-b", Ct));

        Assert.Equal(CoreManager.ManagerName, conflict.System);
        var newest = await first.Vault.LoadLatestJsonAsync(CoreManager.ManagerName, Ct);
        Assert.Equal("from-a", JsonNode.Parse(newest!.Json.Span)!["config"]!["mode"]!.GetValue<string>());
        Assert.Equal("from-a", sut.State.Config["mode"]);
        var status = second.Persistence.GetStatus(CoreManager.ManagerName);
        Assert.False(status.Dirty);
        Assert.Equal(1, status.Conflicts);
        Assert.Equal(newest.Metadata.Sequence, status.LastSavedSequence);

        // After the reload the second host's next change lands on top of the first's.
        await sut.SetConfigAsync("other", "from-b", Ct);
        var after = await first.Vault.LoadLatestJsonAsync(CoreManager.ManagerName, Ct);
        var config = JsonNode.Parse(after!.Json.Span)!["config"]!;
        Assert.Equal("from-a", config["mode"]!.GetValue<string>());
        Assert.Equal("from-b", config["other"]!.GetValue<string>());
        await second.Host.StopAsync(Ct);
        await first.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task SetConfigAsync_NextChangeWhileTheLosingSaveIsStillFinishing_LandsAndIsNotRefusedWithTheOldConflict()
    {
        await using var first = ManagerHost.Create(_dir.Store, _time);
        await using var second = ManagerHost.Create(_dir.Store, _time);
        await first.Host.StartAsync(Ct);
        await second.Host.StartAsync(Ct);
        var sut = second.Manager<CoreManager>();

        // The losing save is held after its reload failed its waiter (so the caller already has the conflict) and before the
        // save reports the conflict to its commit loop: the caller's next change queues its waiter in that window (the
        // interleaving that refused the next change with the old "expected 0, latest 1" conflict in a CI run).
        using var resume = new ManualResetEventSlim();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var armed = 0;
        second.Registry.StateChanged += (_, e) =>
        {
            if (e.System == CoreManager.ManagerName
                && second.Persistence.GetStatus(CoreManager.ManagerName).Conflicts == 1
                && Interlocked.Exchange(ref armed, 1) == 0)
            {
                held.SetResult();
                resume.Wait(TimeSpan.FromSeconds(30), Ct);
            }
        };
        await first.Manager<CoreManager>().SetConfigAsync("mode", "from-a", Ct);
        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => sut.SetConfigAsync("mode", "from-b", Ct));
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var next = sut.SetConfigAsync("other", "from-b", Ct); // its waiter is queued before it returns
        resume.Set();
        await next;

        var after = await first.Vault.LoadLatestJsonAsync(CoreManager.ManagerName, Ct);
        var config = JsonNode.Parse(after!.Json.Span)!["config"]!;
        Assert.Equal("from-a", config["mode"]!.GetValue<string>());
        Assert.Equal("from-b", config["other"]!.GetValue<string>());
        await second.Host.StopAsync(Ct);
        await first.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task CreateAccessKeyAsync_RefreshReloadsWhileTheKeyIsMade_RefusedNeverHandedOutWithoutItsRecord()
    {
        var store = new FailingSystemsStore(FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = _dir.Store, Durable = false }));
        await using var first = ManagerHost.Create(_dir.Store, _time);
        await using var second = ManagerHost.Create(_dir.Store, _time, services: s => s.AddSingleton<ISnapshotStore>(store));
        await first.Host.StartAsync(Ct);
        await second.Host.StartAsync(Ct);
        var sut = second.Manager<ApiKeysManager>();
        var other = await first.Manager<ApiKeysManager>().CreateAccessKeyAsync(AccessRole.Admin, "on a", Ct);

        // The refresh (the second host is clean, the first saved since) is held reading the newest snapshot, after it checked
        // the system is clean and before it adopts; the key is made in that window, so the adopt overwrites its record.
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BeforeRead = (system, ct) =>
        {
            if (system != ApiKeysManager.ManagerName)
            {
                return Task.CompletedTask;
            }

            reading.TrySetResult();
            return release.Task.WaitAsync(ct);
        };
        await Eventually.TrueAsync(
            () => reading.Task.IsCompleted,
            "the refresh reading the first host's snapshot",
            between: () => _time.Advance(TimeSpan.FromMilliseconds(100))); // the refresh loop may start its wait after any given advance
        var create = sut.CreateAccessKeyAsync(AccessRole.Reader, "on b", Ct);
        release.SetResult();

        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => create);
        store.BeforeRead = null;
        Assert.NotNull(sut.ValidateAccessKey(other.Key));
        Assert.DoesNotContain(sut.ListAccessKeys(), k => k.Description == "on b");
        var newest = await first.Vault.LoadLatestJsonAsync(ApiKeysManager.ManagerName, Ct);
        Assert.DoesNotContain("on b", System.Text.Encoding.UTF8.GetString(newest!.Json.Span), StringComparison.Ordinal);
        await second.Host.StopAsync(Ct);
        await first.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task WaitDurableAsync_ChangeMadeWhileAReloadWasReadingTheStore_RefusedNeverAcknowledgedWithoutIt()
    {
        // ReloadAsync is what the server's restore route and a lease takeover run on a live manager.
        var store = new FailingSystemsStore(FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = _dir.Store, Durable = false }));
        await using var first = ManagerHost.Create(_dir.Store, _time);
        await using var second = ManagerHost.Create(_dir.Store, _time, services: s => s.AddSingleton<ISnapshotStore>(store));
        await first.Host.StartAsync(Ct);
        await second.Host.StartAsync(Ct);
        var sut = second.Manager<CoreManager>();
        await first.Manager<CoreManager>().SetConfigAsync("mode", "from-a", Ct);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BeforeRead = (system, ct) =>
        {
            if (system != CoreManager.ManagerName)
            {
                return Task.CompletedTask;
            }

            reading.TrySetResult();
            return release.Task.WaitAsync(ct);
        };

        // The change is made (its waiter not queued yet) while the reload reads, so the adopt overwrites it.
        var generation = second.Persistence.GetGeneration(CoreManager.ManagerName);
        var reload = second.Persistence.ReloadAsync(sut, CoreManager.ManagerName, Ct);
        await reading.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        sut.SetConfig("other", "from-b");
        release.SetResult();
        await reload;
        store.BeforeRead = null;

        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => second.Persistence.WaitDurableAsync(sut, CoreManager.ManagerName, generation, Ct));
        Assert.Equal("from-a", sut.State.Config["mode"]);
        Assert.False(sut.State.Config.ContainsKey("other"));
        await second.Host.StopAsync(Ct);
        await first.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task Health_AfterASaveConflict_IsDegradedUntilTheNextSuccessfulSave()
    {
        await using var first = ManagerHost.Create(_dir.Store, _time);
        await using var second = ManagerHost.Create(_dir.Store, _time);
        await first.Host.StartAsync(Ct);
        await second.Host.StartAsync(Ct);
        var sut = second.Manager<CoreManager>();
        var health = second.Host.Services.GetRequiredService<HealthCheckService>();
        var before = await health.CheckHealthAsync(Ct);

        await first.Manager<CoreManager>().SetConfigAsync("mode", "from-a", Ct);
        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => sut.SetConfigAsync("mode", "from-b", Ct));
        var afterConflict = await health.CheckHealthAsync(Ct);
        await sut.SetConfigAsync("other", "from-b", Ct);
        var afterSave = await health.CheckHealthAsync(Ct);

        Assert.Equal(HealthStatus.Healthy, before.Entries[StateVaultHealthChecks.ManagerPrefix + CoreManager.ManagerName].Status);
        var entry = afterConflict.Entries[StateVaultHealthChecks.ManagerPrefix + CoreManager.ManagerName];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("conflict", entry.Description, StringComparison.Ordinal);
        Assert.Equal(1L, entry.Data[CoreManager.ManagerName + ".save_conflicts"]);
        Assert.Equal(HealthStatus.Healthy, afterSave.Entries[StateVaultHealthChecks.ManagerPrefix + CoreManager.ManagerName].Status);
        Assert.Equal(1L, afterSave.Entries[StateVaultHealthChecks.ManagerPrefix + CoreManager.ManagerName].Data[CoreManager.ManagerName + ".save_conflicts"]);
        await second.Host.StopAsync(Ct);
        await first.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task RequestApiKeyAsync_OtherHostSavedTheKeysFirst_RefusedAndNeverAcknowledgedWithoutItsRecord()
    {
        var store = new FailingSystemsStore(FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = _dir.Store, Durable = false }));
        await using var first = ManagerHost.Create(_dir.Store, _time);
        await using var second = ManagerHost.Create(_dir.Store, _time, services: s => s.AddSingleton<ISnapshotStore>(store));
        await first.Host.StartAsync(Ct);
        await second.Host.StartAsync(Ct);
        var sut = second.Manager<AiMlCoreManager>();
        await first.Manager<ApiKeysManager>().CreateAccessKeyAsync(AccessRole.Reader, "on a", Ct);

        // The request record goes to api_keys, which the first host saved since the second last saw it: its autosave is refused and
        // the reload drops the record. The AI/ML core's own save is held until that reload is over, so the wait for the key
        // manager starts after it (the order that acknowledged a dropped record).
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BeforeAppend = (system, ct) => system == AiMlCoreManager.ManagerName ? held.Task.WaitAsync(ct) : Task.CompletedTask;
        var request = sut.RequestApiKeyAsync("openai", "fenced-request", Ct);
        await Eventually.TrueAsync(
            () => second.Persistence.GetStatus(ApiKeysManager.ManagerName).Conflicts == 1,
            "the key manager's autosave refused and reloaded",
            between: () => _time.Advance(TimeSpan.FromMilliseconds(100))); // small steps: the held save's 5 s acknowledgement timeout runs on this clock too
        held.SetResult();

        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => request);
        var newest = await first.Vault.LoadLatestJsonAsync(ApiKeysManager.ManagerName, Ct);
        Assert.DoesNotContain("fenced-request", System.Text.Encoding.UTF8.GetString(newest!.Json.Span), StringComparison.Ordinal);
        await second.Host.StopAsync(Ct);
        await first.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task ExecuteWorkflowAsync_KeyRequestStepAfterOtherHostSavedTheKeys_RefusedAndNeverAcknowledgedWithoutItsRecord()
    {
        var store = new FailingSystemsStore(FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = _dir.Store, Durable = false }));
        await using var first = ManagerHost.Create(_dir.Store, _time);
        await using var second = ManagerHost.Create(_dir.Store, _time, services: s => s.AddSingleton<ISnapshotStore>(store));
        await first.Host.StartAsync(Ct);
        await second.Host.StartAsync(Ct);
        var sut = second.Manager<AiMlCoreManager>();
        var workflow = await sut.CreateWorkflowAsync("keyed", [("key", MlStepKind.RequestApiKey, "openai")], Ct);
        await first.Manager<ApiKeysManager>().CreateAccessKeyAsync(AccessRole.Reader, "on a", Ct);

        // As above: the step's request record goes to api_keys, whose autosave is refused and reloaded while the AI/ML core's
        // save of the execution is held.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BeforeAppend = (system, ct) => system == AiMlCoreManager.ManagerName ? held.Task.WaitAsync(ct) : Task.CompletedTask;
        var execution = sut.ExecuteWorkflowAsync(workflow.Id, Ct);
        await Eventually.TrueAsync(
            () => second.Persistence.GetStatus(ApiKeysManager.ManagerName).Conflicts == 1,
            "the key manager's autosave refused and reloaded",
            between: () => _time.Advance(TimeSpan.FromMilliseconds(100))); // small steps: the held save's 5 s acknowledgement timeout runs on this clock too
        held.SetResult();

        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => execution);
        var newest = await first.Vault.LoadLatestJsonAsync(ApiKeysManager.ManagerName, Ct);
        Assert.DoesNotContain("ml workflow step key", System.Text.Encoding.UTF8.GetString(newest!.Json.Span), StringComparison.Ordinal);
        await second.Host.StopAsync(Ct);
        await first.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task CreateAccessKeyAsync_OtherHostCreatedAKeyFirst_NoKeyIsLostAndTheRefusedOneIsNotAcknowledged()
    {
        await using var first = ManagerHost.Create(_dir.Store, _time);
        await using var second = ManagerHost.Create(_dir.Store, _time);
        await first.Host.StartAsync(Ct);
        await second.Host.StartAsync(Ct);
        var a = first.Manager<ApiKeysManager>();
        var sut = second.Manager<ApiKeysManager>();

        var created = await a.CreateAccessKeyAsync(AccessRole.Admin, "on a", Ct);
        await Assert.ThrowsAsync<SnapshotConcurrencyException>(() => sut.CreateAccessKeyAsync(AccessRole.Reader, "on b", Ct));

        Assert.NotNull(sut.ValidateAccessKey(created.Key));
        Assert.DoesNotContain(sut.ListAccessKeys(), k => k.Description == "on b");
        var again = await sut.CreateAccessKeyAsync(AccessRole.Reader, "on b", Ct);

        // A fresh host on the store sees both keys.
        await using var third = ManagerHost.Create(_dir.Store, _time);
        await third.Host.StartAsync(Ct);
        var keys = third.Manager<ApiKeysManager>();
        Assert.NotNull(keys.ValidateAccessKey(created.Key));
        Assert.NotNull(keys.ValidateAccessKey(again.Key));
        await third.Host.StopAsync(Ct);
        await second.Host.StopAsync(Ct);
        await first.Host.StopAsync(Ct);
    }

    [Fact]
    public async Task StopAsync_OtherHostSavedMeanwhile_ShutdownSaveDoesNotOverwriteIt()
    {
        await using var first = ManagerHost.Create(_dir.Store, _time);
        await using var second = ManagerHost.Create(_dir.Store, _time);
        await first.Host.StartAsync(Ct);
        await second.Host.StartAsync(Ct);
        var a = first.Manager<CoreManager>();
        var sut = second.Manager<CoreManager>();

        sut.SetConfig("mode", "unsaved-on-b"); // in memory only (autosave later)
        await a.SetConfigAsync("mode", "from-a", Ct);
        await second.Host.StopAsync(Ct); // the shutdown save loses the race

        var newest = await first.Vault.LoadLatestJsonAsync(CoreManager.ManagerName, Ct);
        Assert.Equal("from-a", JsonNode.Parse(newest!.Json.Span)!["config"]!["mode"]!.GetValue<string>());
        await first.Host.StopAsync(Ct);
    }
}
