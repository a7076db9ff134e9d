using System.Text;
using System.Text.Json.Nodes;
using StateVault.Retention;
using StateVault.Schema;
using StateVault.Tests.Support;

namespace StateVault.Tests.Schema;

/// <summary>
/// A real state type that went through three schemas:
/// v1 <c>{"cpu_warning":80,"cpu_critical":95,"mem_warning":85}</c> (flat, percent implied);
/// v2 <c>{"thresholds":{"cpu":{"warning":80,"critical":95}, ...}}</c> (nested);
/// v3 adds a unit per threshold and renames <c>thresholds</c> to <c>limits</c>.
/// </summary>
[SnapshotSchema(3, Name = "health_thresholds_state")]
public sealed record ThresholdState(Dictionary<string, Limit> Limits);

public sealed record Limit(double Warning, double? Critical, string Unit);

public sealed class UpcasterRegistryTests : IAsyncLifetime
{
    private readonly VaultHarness _h = new();
    private int _v1Calls;
    private int _v2Calls;

    private static CancellationToken Ct => VaultHarness.Ct;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    private JsonNode V1ToV2(JsonNode v1)
    {
        _v1Calls++;
        var thresholds = new JsonObject();
        foreach (var (key, value) in v1.AsObject())
        {
            var (metric, level) = (key[..key.IndexOf('_', StringComparison.Ordinal)], key[(key.IndexOf('_', StringComparison.Ordinal) + 1)..]);
            var entry = thresholds[metric] as JsonObject ?? new JsonObject();
            entry[level] = value!.DeepClone();
            thresholds[metric] = entry;
        }

        return new JsonObject { ["thresholds"] = thresholds };
    }

    private JsonNode V2ToV3(JsonNode v2)
    {
        _v2Calls++;
        var limits = new JsonObject();
        foreach (var (metric, value) in v2["thresholds"]!.AsObject())
        {
            var entry = value!.DeepClone().AsObject();
            entry["unit"] = "percent";
            limits[metric] = entry;
        }

        return new JsonObject { ["limits"] = limits };
    }

    private SnapshotVault CreateVault(bool registerV1 = true, bool registerV2 = true) => _h.CreateVault(o =>
    {
        o.Retention = RetentionPolicy.KeepAll;
        if (registerV1)
        {
            o.Upcasters.Add<ThresholdState>(1, V1ToV2);
        }

        if (registerV2)
        {
            o.Upcasters.Add<ThresholdState>(2, V2ToV3);
        }
    });

    private static Task<SnapshotMetadata> SaveVersionAsync(SnapshotVault vault, int version, string json) =>
        vault.SaveJsonAsync("health_thresholds", Encoding.UTF8.GetBytes(json), new SaveOptions { SchemaVersion = version, StateType = "health_thresholds_state" }, Ct);

    [Fact]
    public async Task LoadLatestAsync_V1Snapshot_IsUpcastThroughV2ToV3()
    {
        var sut = CreateVault();
        await SaveVersionAsync(sut, 1, """{"cpu_warning":80,"cpu_critical":95,"mem_warning":85}""");

        var loaded = await sut.LoadLatestAsync<ThresholdState>("health_thresholds", Ct);

        Assert.NotNull(loaded);
        Assert.Equal(1, loaded.Metadata.SchemaVersion);
        Assert.Equal(new Limit(80, 95, "percent"), loaded.State.Limits["cpu"]);
        Assert.Equal(new Limit(85, null, "percent"), loaded.State.Limits["mem"]);
        Assert.Equal((1, 1), (_v1Calls, _v2Calls));
    }

    [Fact]
    public async Task LoadLatestAsync_V2Snapshot_RunsOnlyTheLastUpcaster()
    {
        var sut = CreateVault();
        await SaveVersionAsync(sut, 2, """{"thresholds":{"disk":{"warning":70,"critical":90}}}""");

        var loaded = await sut.LoadLatestAsync<ThresholdState>("health_thresholds", Ct);

        Assert.Equal(new Limit(70, 90, "percent"), loaded!.State.Limits["disk"]);
        Assert.Equal((0, 1), (_v1Calls, _v2Calls));
    }

    [Fact]
    public async Task SaveAsync_CurrentType_RecordsVersionAndNameAndLoadsWithoutUpcasting()
    {
        var sut = CreateVault();
        var state = new ThresholdState(new() { ["cpu"] = new Limit(1, 2, "percent") });

        var saved = await sut.SaveAsync("health_thresholds", state, cancellationToken: Ct);
        var loaded = await sut.LoadAsync<ThresholdState>("health_thresholds", saved.Sequence, Ct);

        Assert.Equal(3, saved.SchemaVersion);
        Assert.Equal("health_thresholds_state", saved.StateType);
        Assert.Equal(state.Limits["cpu"], loaded!.State.Limits["cpu"]);
        Assert.Equal((0, 0), (_v1Calls, _v2Calls));
    }

    [Fact]
    public async Task LoadAsync_ExplicitOldSequence_IsUpcastToo()
    {
        var sut = CreateVault();
        await SaveVersionAsync(sut, 1, """{"cpu_warning":60}""");
        await sut.SaveAsync("health_thresholds", new ThresholdState([]), cancellationToken: Ct);

        var loaded = await sut.LoadAsync<ThresholdState>("health_thresholds", 1, Ct);

        Assert.Equal(new Limit(60, null, "percent"), loaded!.State.Limits["cpu"]);
    }

    [Fact]
    public async Task LoadLatestAsync_SchemaNewerThanCode_ThrowsSchemaExceptionAndDoesNotFallBack()
    {
        var sut = CreateVault();
        await SaveVersionAsync(sut, 3, """{"limits":{}}""");
        await SaveVersionAsync(sut, 4, """{"limits_v4":{}}""");

        var ex = await Assert.ThrowsAsync<SnapshotSchemaException>(() => sut.LoadLatestAsync<ThresholdState>("health_thresholds", Ct));

        Assert.Equal(2, ex.Sequence);
        Assert.Equal(4, ex.StoredVersion);
        Assert.Equal(3, ex.KnownVersion);
        Assert.Contains("newer", ex.Message, StringComparison.Ordinal);
        Assert.Equal([1L, 2L], _h.StoredSequences("health_thresholds"));
    }

    [Fact]
    public async Task LoadLatestAsync_MissingUpcaster_ThrowsSchemaExceptionNamingTheGap()
    {
        var sut = CreateVault(registerV1: false);
        await SaveVersionAsync(sut, 1, """{"cpu_warning":80}""");

        var ex = await Assert.ThrowsAsync<SnapshotSchemaException>(() => sut.LoadLatestAsync<ThresholdState>("health_thresholds", Ct));

        Assert.Contains("no upcaster from version 1 to 2", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, ex.StoredVersion);
    }

    [Fact]
    public void Add_UpcasterAtOrPastCurrentVersion_Throws()
    {
        var sut = new UpcasterRegistry();

        Assert.Throws<ArgumentOutOfRangeException>(() => sut.Add<ThresholdState>(3, n => n));
        Assert.Throws<ArgumentOutOfRangeException>(() => sut.Add<ThresholdState>(0, n => n));
    }

    [Fact]
    public void Add_SameVersionTwice_Throws()
    {
        var sut = new UpcasterRegistry().Add<ThresholdState>(1, n => n);

        Assert.Throws<InvalidOperationException>(() => sut.Add<ThresholdState>(1, n => n));
    }

    [Fact]
    public void GetVersionAndName_WithAndWithoutAttribute()
    {
        Assert.Equal(3, UpcasterRegistry.GetVersion(typeof(ThresholdState)));
        Assert.Equal("health_thresholds_state", UpcasterRegistry.GetName(typeof(ThresholdState)));
        Assert.Equal(1, UpcasterRegistry.GetVersion(typeof(Limit)));
        Assert.Equal(nameof(Limit), UpcasterRegistry.GetName(typeof(Limit)));
    }
}
