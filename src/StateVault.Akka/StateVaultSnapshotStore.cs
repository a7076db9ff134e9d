using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Snapshot;
using StateVault.Secrets;
using StateVault.Storage;
using AkkaSnapshotMetadata = Akka.Persistence.SnapshotMetadata;

namespace StateVault.Akka;

/// <summary>
/// An Akka.Persistence snapshot store on StateVault. Each persistence id is one StateVault system
/// (<see cref="StateVaultSnapshotStoreNames"/>); each Akka snapshot is one verified, versioned StateVault snapshot whose
/// attributes carry the Akka sequence number and timestamp, and whose payload is the Akka serializer's output
/// (serializer id, manifest, bytes), so custom serializers round-trip.
/// </summary>
/// <remarks>
/// Configured by HOCON: <c>akka.persistence.snapshot-store.statevault { class = "StateVault.Akka.StateVaultSnapshotStore, StateVault.Akka", store = "&lt;uri&gt;" }</c>
/// (defaults: <see cref="StateVaultPersistence.DefaultConfiguration"/>). Saving an Akka sequence number again replaces it for
/// loads (the newer StateVault snapshot wins); deletes remove every StateVault snapshot of the matching Akka snapshots.
/// A snapshot that fails verification or deserialization is skipped and the next older matching one is offered, as Akka's
/// local store does. Logging goes through Akka's logging, as for every Akka plugin.
/// </remarks>
public sealed class StateVaultSnapshotStore : SnapshotStore
{
    internal const string StateType = "akka.snapshot";
    internal const string PersistenceIdAttribute = "akka.persistence_id";
    internal const string SequenceNrAttribute = "akka.sequence_nr";
    internal const string TimestampAttribute = "akka.timestamp_ticks";

    private readonly StateVaultSnapshotStoreSettings _settings;
    private readonly SnapshotVault _vault;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Captured here: Context is only valid on the actor's thread, and the async operations continue elsewhere after an await.
    private readonly ExtendedActorSystem _system = (ExtendedActorSystem)Context.System;

    /// <summary>Created by Akka.Persistence with the plugin's HOCON section.</summary>
    /// <exception cref="ConfigurationException">A setting is missing or invalid, or no provider opens the store URI.</exception>
    public StateVaultSnapshotStore(Config config)
    {
        _settings = StateVaultSnapshotStoreSettings.Create(config);
        ISnapshotStore store;
        try
        {
            store = new SnapshotStoreFactory(_settings.LoadProviders()).Open(_settings.Store);
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationException($"StateVault snapshot store: cannot open '{SnapshotStoreFactory.Redact(_settings.Store)}': {ex.Message}");
        }

        _vault = new SnapshotVault(store, _settings.Vault, ownsStore: true);
        _log.Info("StateVault snapshot store on {0} ({1} store)", SnapshotStoreFactory.Redact(_settings.Store), store.Kind);
    }

    /// <inheritdoc />
    protected override async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        var system = SystemFor(persistenceId);
        var sequences = new List<long>();
        await foreach (var item in _vault.Store.ListAsync(system, cancellationToken).ConfigureAwait(false))
        {
            sequences.Add(item.Sequence);
        }

        // Newest first; the first StateVault snapshot seen for an Akka sequence number is its current version.
        var seen = new HashSet<long>();
        for (var i = sequences.Count - 1; i >= 0; i--)
        {
            JsonSnapshot? snapshot;
            try
            {
                snapshot = await _vault.LoadJsonAsync(system, sequences[i], cancellationToken).ConfigureAwait(false);
            }
            catch (SnapshotCorruptedException ex)
            {
                _log.Warning("Skipping damaged snapshot {0} of {1}: {2}", sequences[i], persistenceId, ex.Message);
                continue;
            }

            if (snapshot is null || ReadMetadata(persistenceId, snapshot.Metadata) is not { } metadata || !seen.Add(metadata.SequenceNr) || !Matches(criteria, metadata))
            {
                continue;
            }

            try
            {
                var (serializerId, manifest, bytes) = SnapshotPayload.Unwrap(snapshot.Json);
                var payload = _system.Serialization.Deserialize(bytes, serializerId, manifest);
                return new SelectedSnapshot(metadata, payload);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _log.Warning(ex, "Skipping snapshot {0} of {1} (sequence nr {2}): it could not be deserialized", sequences[i], persistenceId, metadata.SequenceNr);
            }
        }

        return null;
    }

    /// <inheritdoc />
    protected override async Task SaveAsync(AkkaSnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken = default)
    {
        var system = SystemFor(metadata.PersistenceId);
        var encoded = SnapshotPayload.Encode(_system, snapshot);
        if (encoded.Binary is { } binary)
        {
            ScanBinary(system, binary);
        }

        await _vault.SaveJsonAsync(
            system,
            encoded.Json,
            new SaveOptions
            {
                StateType = StateType,
                Attributes = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [PersistenceIdAttribute] = metadata.PersistenceId,
                    [SequenceNrAttribute] = metadata.SequenceNr.ToString(CultureInfo.InvariantCulture),
                    [TimestampAttribute] = metadata.Timestamp.Ticks.ToString(CultureInfo.InvariantCulture),
                },
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override Task DeleteAsync(AkkaSnapshotMetadata metadata, CancellationToken cancellationToken = default) =>
        DeleteWhereAsync(
            metadata.PersistenceId,
            stored => stored.SequenceNr == metadata.SequenceNr
                // A timestamp of DateTime.MinValue (the old default) means "whatever its time"; otherwise only snapshots no newer.
                && (metadata.Timestamp == DateTime.MinValue || stored.Timestamp <= metadata.Timestamp),
            cancellationToken);

    /// <inheritdoc />
    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default) =>
        DeleteWhereAsync(persistenceId, stored => Matches(criteria, stored), cancellationToken);

    /// <inheritdoc />
    protected override void PostStop()
    {
        base.PostStop();
        // Snapshot stores stop with their ActorSystem; the store's connections and handles close here.
        _vault.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Whether an Akka snapshot falls within selection criteria (all four bounds inclusive).</summary>
    internal static bool Matches(SnapshotSelectionCriteria criteria, AkkaSnapshotMetadata metadata) =>
        metadata.SequenceNr <= criteria.MaxSequenceNr
        && metadata.Timestamp <= criteria.MaxTimeStamp
        && metadata.SequenceNr >= criteria.MinSequenceNr
        && (criteria.MinTimestamp is not { } min || metadata.Timestamp >= min);

    /// <summary>The Akka metadata recorded on a StateVault snapshot, or <see langword="null"/> when it is not an Akka snapshot.</summary>
    internal static AkkaSnapshotMetadata? ReadMetadata(string persistenceId, StateVault.SnapshotMetadata stored) =>
        stored.Attributes.TryGetValue(SequenceNrAttribute, out var sequenceText)
        && long.TryParse(sequenceText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var sequenceNr)
        && stored.Attributes.TryGetValue(TimestampAttribute, out var ticksText)
        && long.TryParse(ticksText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks)
        && ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks
            ? new AkkaSnapshotMetadata(persistenceId, sequenceNr, new DateTime(ticks, DateTimeKind.Utc))
            : null;

    private string SystemFor(string persistenceId) => StateVaultSnapshotStoreNames.GetSystemName(_settings.SystemPrefix, persistenceId);

    private async Task DeleteWhereAsync(string persistenceId, Func<AkkaSnapshotMetadata, bool> predicate, CancellationToken cancellationToken)
    {
        var system = SystemFor(persistenceId);
        foreach (var listing in await _vault.ListAsync(system, cancellationToken).ConfigureAwait(false))
        {
            if (listing.Metadata is { } stored && ReadMetadata(persistenceId, stored) is { } metadata && predicate(metadata))
            {
                await _vault.DeleteAsync(system, listing.Sequence, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Binary payloads are stored as hex, which no secret pattern can match; scan their bytes as text instead, under the
    /// vault's policy (a binary value cannot be redacted, so redact rejects it too).
    /// </summary>
    private void ScanBinary(string system, byte[] bytes)
    {
        if (_vault.Options.SecretPolicy == SecretPolicy.Off)
        {
            return;
        }

        if (SecretScanner.Classify(Encoding.Latin1.GetString(bytes)) is { } kind)
        {
            throw new SecretDetectedException(system, [new SecretFinding("$.payload", kind)]);
        }
    }
}
