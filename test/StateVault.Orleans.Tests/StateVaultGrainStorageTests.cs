using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Orleans.Tests;

public sealed class StateVaultGrainStorageTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private StateVaultGrainStorage _sut = null!;

    public sealed class CounterState
    {
        public string? Name { get; set; }

        public int Count { get; set; }
    }

    public ValueTask InitializeAsync()
    {
        _sut = Create(new StateVaultGrainStorageOptions { Store = "file:" + _temp.Store });
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _sut.DisposeAsync();
        await _services.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task WriteStateAsync_NewRecord_ETagIsTheSnapshotSequence()
    {
        var grain = GrainId.Create("counter", "alice");
        var state = new GrainState<CounterState> { State = new CounterState { Name = "a", Count = 1 } };

        await _sut.WriteStateAsync("state", grain, state);
        await _sut.WriteStateAsync("state", grain, state);

        Assert.Equal("2", state.ETag);
        Assert.Equal(2, await _sut.Vault.GetLatestSequenceAsync("orleans.state.counter.alice", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task WriteStateAsync_StaleETag_ThrowsInconsistentStateAndWritesNothing()
    {
        var grain = GrainId.Create("counter", "bob");
        var first = new GrainState<CounterState> { State = new CounterState { Count = 1 } };
        await _sut.WriteStateAsync("state", grain, first);
        var stale = new GrainState<CounterState> { State = new CounterState { Count = 99 }, ETag = first.ETag };
        await _sut.WriteStateAsync("state", grain, first);

        var ex = await Assert.ThrowsAsync<InconsistentStateException>(() => _sut.WriteStateAsync("state", grain, stale));

        Assert.Equal("2", ex.StoredEtag);
        Assert.Equal("1", ex.CurrentEtag);
        var read = new GrainState<CounterState> { State = new CounterState() };
        await _sut.ReadStateAsync("state", grain, read);
        Assert.Equal(1, read.State.Count);
        Assert.Equal("2", read.ETag);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-sequence")]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task WriteStateAsync_ETagNotIssuedForExistingRecord_ThrowsInconsistentState(string? etag)
    {
        var grain = GrainId.Create("counter", "carol");
        await _sut.WriteStateAsync("state", grain, new GrainState<CounterState> { State = new CounterState { Count = 1 } });

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            _sut.WriteStateAsync("state", grain, new GrainState<CounterState> { State = new CounterState { Count = 2 }, ETag = etag }));

        Assert.Equal(1, await _sut.Vault.GetLatestSequenceAsync("orleans.state.counter.carol", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ClearStateAsync_WrittenRecord_WritesTombstoneAndKeepsHistory()
    {
        var grain = GrainId.Create("counter", "dave");
        var state = new GrainState<CounterState> { State = new CounterState { Count = 7 } };
        await _sut.WriteStateAsync("state", grain, state);

        await _sut.ClearStateAsync("state", grain, state);

        Assert.False(state.RecordExists);
        Assert.Equal("2", state.ETag);
        Assert.Equal(0, state.State.Count);
        var history = await _sut.Vault.ListAsync("orleans.state.counter.dave", TestContext.Current.CancellationToken);
        Assert.Equal([2L, 1L], history.Select(h => h.Sequence));
        Assert.True(StateVaultGrainStorage.IsTombstone(history[0].Metadata!));
        Assert.Equal(7, (await _sut.Vault.LoadAsync<CounterState>("orleans.state.counter.dave", 1, TestContext.Current.CancellationToken))!.State.Count);
        var read = new GrainState<CounterState> { State = new CounterState { Count = 5 } };
        await _sut.ReadStateAsync("state", grain, read);
        Assert.False(read.RecordExists);
        Assert.Equal("2", read.ETag);
        Assert.Equal(0, read.State.Count);
    }

    [Fact]
    public async Task ClearStateAsync_StaleETag_ThrowsInconsistentStateAndKeepsState()
    {
        var grain = GrainId.Create("counter", "erin");
        var state = new GrainState<CounterState> { State = new CounterState { Count = 1 } };
        await _sut.WriteStateAsync("state", grain, state);
        var stale = new GrainState<CounterState> { State = new CounterState(), ETag = state.ETag };
        await _sut.WriteStateAsync("state", grain, state);

        await Assert.ThrowsAsync<InconsistentStateException>(() => _sut.ClearStateAsync("state", grain, stale));

        var read = new GrainState<CounterState> { State = new CounterState() };
        await _sut.ReadStateAsync("state", grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task WriteStateAsync_SecretInState_RejectedAndNothingStored()
    {
        var grain = GrainId.Create("counter", "frank");
        var state = new GrainState<CounterState> { State = new CounterState { Name = "AKIAIOSFODNN7EXAMPLE" } };

        await Assert.ThrowsAsync<SecretDetectedException>(() => _sut.WriteStateAsync("state", grain, state));

        Assert.Null(state.ETag);
        Assert.Equal(0, await _sut.Vault.GetLatestSequenceAsync("orleans.state.counter.frank", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ReadStateAsync_NewestSnapshotDamaged_FallsBackAndCanWriteOn()
    {
        var grain = GrainId.Create("counter", "gina");
        var state = new GrainState<CounterState> { State = new CounterState { Count = 1 } };
        await _sut.WriteStateAsync("state", grain, state);
        state.State.Count = 2;
        await _sut.WriteStateAsync("state", grain, state);
        var newest = Directory.GetFiles(Path.Combine(_temp.Store, "orleans.state.counter.gina")).Order(StringComparer.Ordinal).Last(f => !f.Contains(".tmp", StringComparison.Ordinal));
        var bytes = await File.ReadAllBytesAsync(newest, TestContext.Current.CancellationToken);
        bytes[^3] ^= 0xFF;
        await File.WriteAllBytesAsync(newest, bytes, TestContext.Current.CancellationToken);
        await _sut.DisposeAsync();
        _sut = Create(new StateVaultGrainStorageOptions { Store = "file:" + _temp.Store });

        var read = new GrainState<CounterState> { State = new CounterState() };
        await _sut.ReadStateAsync("state", grain, read);
        read.State.Count = 3;
        await _sut.WriteStateAsync("state", grain, read);

        Assert.Equal("3", read.ETag);
    }

    [Fact]
    public void GetSystemName_UnsafeOrLongIds_MapToDistinctValidNames()
    {
        var names = new[]
        {
            StateVaultGrainStorageNames.GetSystemName("orleans", "state", GrainId.Create("counter", "Alice")),
            StateVaultGrainStorageNames.GetSystemName("orleans", "state", GrainId.Create("counter", "alice")),
            StateVaultGrainStorageNames.GetSystemName("orleans", "state", GrainId.Create("counter", "../x")),
            StateVaultGrainStorageNames.GetSystemName("orleans", "state", GrainId.Create("counter", "Иван")),
            StateVaultGrainStorageNames.GetSystemName("orleans", "state", GrainId.Create("counter", new string('k', 200) + "1")),
            StateVaultGrainStorageNames.GetSystemName("orleans", "state", GrainId.Create("counter", new string('k', 200) + "2")),
            StateVaultGrainStorageNames.GetSystemName("orleans", "other", GrainId.Create("counter", "alice")),
        };

        Assert.All(names, n => Assert.True(SystemName.IsValid(n), n));
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("orleans.state.counter._41lice", names[0]);
        Assert.Equal("orleans.state.counter.alice", names[1]);
    }

    [Theory]
    [InlineData("", "orleans", "Store is empty")]
    [InlineData("nosuch:thing", "orleans", "no store provider")]
    [InlineData("file:./x", "Bad.Prefix", "SystemPrefix")]
    public void Options_Invalid_FailValidationWithTheReason(string store, string prefix, string reason)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddStateVaultGrainStorage("grains", o =>
        {
            o.Store = store;
            o.SystemPrefix = prefix;
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<StateVaultGrainStorageOptions>>().Get("grains"));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddStateVaultGrainStorage_Registered_ResolvesKeyedGrainStorage()
    {
        var services = new ServiceCollection().AddLogging().AddSerializer();
        services.AddStateVaultGrainStorage("grains", o => o.Store = "file:" + _temp.Store);
        using var provider = services.BuildServiceProvider();

        Assert.IsType<StateVaultGrainStorage>(provider.GetRequiredKeyedService<IGrainStorage>("grains"));
    }

    private StateVaultGrainStorage Create(StateVaultGrainStorageOptions options) =>
        new("test", options, Array.Empty<ISnapshotStoreProvider>(), _services.GetRequiredService<IActivatorProvider>(), NullLoggerFactory.Instance);
}
