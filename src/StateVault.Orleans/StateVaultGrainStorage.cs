using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using StateVault.Schema;
using StateVault.Storage;

namespace StateVault.Orleans;

/// <summary>
/// An Orleans <see cref="IGrainStorage"/> on a StateVault store. Each (state name, grain id) is one StateVault system
/// (see <see cref="StateVaultGrainStorageNames"/>); each write is a verified, versioned snapshot, appended only if the
/// grain's ETag is still the latest snapshot sequence (compare-and-set), so a stale writer gets
/// <see cref="InconsistentStateException"/> and changes nothing.
/// </summary>
/// <remarks>
/// Clearing writes a tombstone snapshot (attribute <c>orleans.cleared=true</c>): the record stops existing for
/// Orleans, the ETag moves on, and the earlier versions stay until retention removes them.
/// </remarks>
internal sealed class StateVaultGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable, IDisposable
{
    /// <summary>The attribute that marks a tombstone written by <see cref="ClearStateAsync"/>.</summary>
    internal const string ClearedAttribute = "orleans.cleared";

    internal const string StateNameAttribute = "orleans.state";
    internal const string GrainIdAttribute = "orleans.grain";

    private static readonly byte[] s_tombstone = "{}"u8.ToArray();

    private readonly string _name;
    private readonly StateVaultGrainStorageOptions _options;
    private readonly IActivatorProvider _activators;
    private readonly ILogger _logger;
    private readonly Lazy<SnapshotVault> _vault;
    private int _disposed;

    public StateVaultGrainStorage(
        string name,
        StateVaultGrainStorageOptions options,
        IEnumerable<ISnapshotStoreProvider> providers,
        IActivatorProvider activators,
        ILoggerFactory loggerFactory,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(activators);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _name = name;
        _options = options;
        _activators = activators;
        _logger = loggerFactory.CreateLogger<StateVaultGrainStorage>();
        var time = timeProvider ?? TimeProvider.System;
        var providerList = providers.ToList();
        _vault = new Lazy<SnapshotVault>(
            () =>
            {
                var store = new SnapshotStoreFactory(providerList, loggerFactory, time).Open(options.Store);
                Log.Opened(_logger, _name, SnapshotStoreFactory.Redact(options.Store), store.Kind);
                return new SnapshotVault(store, options.Vault, loggerFactory.CreateLogger<SnapshotVault>(), time, meterFactory, ownsStore: true);
            },
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The vault under this provider (opened on first use or at silo start).</summary>
    internal SnapshotVault Vault
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _vault.Value;
        }
    }

    /// <summary>The system a grain's state is stored under.</summary>
    internal string SystemFor(string stateName, GrainId grainId) =>
        StateVaultGrainStorageNames.GetSystemName(_options.SystemPrefix, stateName, grainId);

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var system = SystemFor(stateName, grainId);
        var vault = Vault;

        // The ETag is the latest sequence ever allocated, read BEFORE the state: a writer that slips in between makes the
        // ETag stale (the next write conflicts) instead of pairing an old ETag check with newer content. When the newest
        // snapshot was damaged and the load fell back to an older one, writing on from here is still allowed.
        var latest = await vault.GetLatestSequenceAsync(system).ConfigureAwait(false);
        if (latest == 0)
        {
            SetEmpty(grainState, etag: null);
            return;
        }

        var snapshot = await vault.LoadLatestJsonAsync(system).ConfigureAwait(false);
        if (snapshot is null || IsTombstone(snapshot.Metadata))
        {
            SetEmpty(grainState, FormatETag(latest));
            return;
        }

        var state = snapshot.Metadata.SchemaVersion == UpcasterRegistry.GetVersion(typeof(T))
            ? JsonSerializer.Deserialize<T>(snapshot.Json.Span, vault.JsonOptions)
            : (await vault.LoadAsync<T>(system, snapshot.Metadata.Sequence).ConfigureAwait(false) is { } upcast ? upcast.State : default);
        grainState.State = state ?? CreateState<T>();
        grainState.ETag = FormatETag(latest);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var system = SystemFor(stateName, grainId);
        var vault = Vault;
        var expected = await ExpectedSequenceAsync(vault, system, grainState.ETag).ConfigureAwait(false);
        try
        {
            var saved = await vault.SaveAsync(system, grainState.State, new SaveOptions { ExpectedLatestSequence = expected, Attributes = Attributes(stateName, grainId, cleared: false) }).ConfigureAwait(false);
            grainState.ETag = FormatETag(saved.Sequence);
            grainState.RecordExists = true;
        }
        catch (SnapshotConcurrencyException ex)
        {
            throw Conflict(system, "write", grainState.ETag, ex);
        }
    }

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var system = SystemFor(stateName, grainId);
        var vault = Vault;
        var expected = await ExpectedSequenceAsync(vault, system, grainState.ETag).ConfigureAwait(false);
        try
        {
            var saved = await vault.SaveJsonAsync(
                system,
                s_tombstone,
                new SaveOptions { ExpectedLatestSequence = expected, StateType = ClearedAttribute, Attributes = Attributes(stateName, grainId, cleared: true) }).ConfigureAwait(false);
            grainState.ETag = FormatETag(saved.Sequence);
            grainState.RecordExists = false;
            grainState.State = CreateState<T>();
        }
        catch (SnapshotConcurrencyException ex)
        {
            throw Conflict(system, "clear", grainState.ETag, ex);
        }
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe(
            $"{nameof(StateVaultGrainStorage)}-{_name}",
            ServiceLifecycleStage.ApplicationServices,
            cancellationToken =>
            {
                // Open at start so a store that cannot be opened fails the silo, not the first grain activation.
                _ = Vault;
                return Task.CompletedTask;
            },
            cancellationToken => DisposeAsync().AsTask());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _vault.IsValueCreated)
        {
            await _vault.Value.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <remarks>For containers that dispose synchronously (a DI singleton must support both).</remarks>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    internal static bool IsTombstone(SnapshotMetadata metadata) =>
        metadata.Attributes.TryGetValue(ClearedAttribute, out var value) && value == "true";

    internal static string FormatETag(long sequence) => sequence.ToString(CultureInfo.InvariantCulture);

    /// <summary>The latest sequence a write with <paramref name="etag"/> may append after (0 = no record yet).</summary>
    private async Task<long> ExpectedSequenceAsync(SnapshotVault vault, string system, string? etag)
    {
        if (etag is null)
        {
            return 0;
        }

        if (long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && sequence > 0)
        {
            return sequence;
        }

        // Not an ETag this provider issued (another provider's, or made up): it cannot be the current one.
        var latest = await vault.GetLatestSequenceAsync(system).ConfigureAwait(false);
        throw new InconsistentStateException(
            $"StateVault grain storage '{_name}': ETag '{etag}' of {system} is not a snapshot sequence; the latest is {latest}. Nothing was written.",
            FormatETag(latest),
            etag);
    }

    private InconsistentStateException Conflict(string system, string operation, string? etag, SnapshotConcurrencyException ex)
    {
        Log.Conflict(_logger, _name, operation, system, etag ?? "<none>", ex.ActualSequence);
        return new InconsistentStateException(
            $"StateVault grain storage '{_name}': {operation} of {system} with ETag '{etag ?? "<none>"}' conflicts with the stored sequence {ex.ActualSequence}. Nothing was written.",
            FormatETag(ex.ActualSequence),
            etag ?? string.Empty,
            ex);
    }

    private static Dictionary<string, string> Attributes(string stateName, GrainId grainId, bool cleared)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [StateNameAttribute] = stateName,
            [GrainIdAttribute] = grainId.ToString(),
        };
        if (cleared)
        {
            attributes[ClearedAttribute] = "true";
        }

        return attributes;
    }

    private void SetEmpty<T>(IGrainState<T> grainState, string? etag)
    {
        grainState.State = CreateState<T>();
        grainState.ETag = etag;
        grainState.RecordExists = false;
    }

    private T CreateState<T>() => _activators.GetActivator<T>().Create();
}
