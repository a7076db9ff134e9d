using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Secrets;
using StateVault.Storage;

namespace StateVault.Cli.Migration;

/// <summary>
/// Copies snapshots from one store to another of any kind, unchanged: the same envelope bytes at the same sequence
/// numbers (so creation times, checksums, tags and codecs travel inside them), with
/// <see cref="ISnapshotStore.ImportAsync"/>.
/// </summary>
/// <remarks>
/// Every source snapshot is verified before it is copied (a damaged one is reported and left behind), and every copy is
/// read back from the target and must decode and equal the source byte for byte. The target is never overwritten, so a
/// second run copies only what is missing and reports the rest as already present (resumable).
/// A chunked snapshot (header codec <see cref="ChunkManifest.Codec"/>) travels with its chunks: the chunks the target lacks
/// are read from the source, each checked with <see cref="ChunkFrame.Decode"/>, and put on the target first; the envelope
/// is then checked with <see cref="IncomingEnvelope.CheckAsync"/> against the chunks as the TARGET holds them, and only
/// then imported (the envelope is the commit point, as in a save). A target that keeps no chunks is refused such a
/// snapshot: envelopes are copied byte for byte, so it cannot be turned into an ordinary one.
/// </remarks>
internal sealed class SnapshotMigrator
{
    private readonly ISnapshotStore _source;
    private readonly ISnapshotStore _target;
    private readonly long _maxStateBytes;
    private readonly int _maxExpansionRatio;

    /// <param name="source">Where the snapshots are read.</param>
    /// <param name="target">Where they are imported.</param>
    /// <param name="maxStateBytes">The largest assembled state of a chunked snapshot accepted (the engine's default limit).</param>
    /// <param name="maxExpansionRatio">The most a compressed chunk may expand.</param>
    public SnapshotMigrator(
        ISnapshotStore source,
        ISnapshotStore target,
        long maxStateBytes = SnapshotVaultOptions.DefaultMaxStateBytes,
        int maxExpansionRatio = SnapshotVaultOptions.DefaultMaxExpansionRatio)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxStateBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExpansionRatio);
        _source = source;
        _target = target;
        _maxStateBytes = maxStateBytes;
        _maxExpansionRatio = maxExpansionRatio;
    }

    /// <summary>Migrates one system, or every system of the source.</summary>
    public async Task<MigrationReport> MigrateAsync(string? system, IProgress<MigrationStep>? progress, CancellationToken cancellationToken)
    {
        var plan = new List<(string System, List<StoredSnapshotRef> Snapshots)>();
        var systems = system is null ? await ToListAsync(_source.ListSystemsAsync(cancellationToken)).ConfigureAwait(false) : [SystemName.Validate(system)];
        foreach (var name in systems)
        {
            plan.Add((name, await ToListAsync(_source.ListAsync(name, cancellationToken)).ConfigureAwait(false)));
        }

        var total = plan.Sum(p => p.Snapshots.Count);
        var done = 0;
        var results = new List<SystemMigrationResult>();
        var problems = new List<MigrationStep>();
        foreach (var (name, snapshots) in plan)
        {
            var present = (await ToListAsync(_target.ListAsync(name, cancellationToken)).ConfigureAwait(false)).Select(r => r.Sequence).ToHashSet();
            var counts = new Dictionary<MigrationOutcome, int>();
            var chunks = new ChunkLedger();
            foreach (var snapshot in snapshots)
            {
                var (outcome, reason) = await CopyAsync(name, snapshot.Sequence, present.Contains(snapshot.Sequence), chunks, cancellationToken).ConfigureAwait(false);
                counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
                var step = new MigrationStep(name, snapshot.Sequence, outcome, reason, ++done, total);
                if (outcome is not (MigrationOutcome.Copied or MigrationOutcome.AlreadyPresent))
                {
                    problems.Add(step);
                }

                progress?.Report(step);
            }

            results.Add(new SystemMigrationResult(
                name,
                counts.GetValueOrDefault(MigrationOutcome.Copied),
                counts.GetValueOrDefault(MigrationOutcome.AlreadyPresent),
                counts.GetValueOrDefault(MigrationOutcome.SourceDamaged),
                counts.GetValueOrDefault(MigrationOutcome.Failed),
                counts.GetValueOrDefault(MigrationOutcome.Vanished))
            {
                ChunksCopied = chunks.Copied.Count,
                ChunksAlreadyPresent = chunks.AlreadyPresent.Count,
            });
        }

        return new MigrationReport(results, problems);
    }

    /// <summary>Why an envelope is not a valid snapshot <paramref name="system"/>#<paramref name="sequence"/>, or <see langword="null"/> when it is.</summary>
    internal static string? Verify(byte[] envelope, string system, long sequence)
    {
        try
        {
            var (header, payload) = SnapshotEnvelope.Decode(envelope);
            if (header.System != system || header.Sequence != sequence)
            {
                return $"header names {header.System}#{header.Sequence}, stored as {system}#{sequence}";
            }

            if (!SnapshotCodecs.IsKnown(header.Codec))
            {
                return $"unknown codec '{header.Codec}'";
            }

            SnapshotCodecs.Decode(header.Codec, payload, header.RawLength);
            return null;
        }
        catch (EnvelopeFormatException ex)
        {
            return ex.Message;
        }
        catch (InvalidDataException ex)
        {
            return $"payload does not decode ({ex.Message})";
        }
    }

    private async Task<(MigrationOutcome Outcome, string? Reason)> CopyAsync(string system, long sequence, bool presentOnTarget, ChunkLedger chunks, CancellationToken cancellationToken)
    {
        var bytes = await _source.ReadAsync(system, sequence, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return (MigrationOutcome.Vanished, "deleted from the source during the migration");
        }

        var chunked = IsChunked(bytes);
        if (chunked)
        {
            if (await CopyChunksAsync(bytes, system, sequence, chunks, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                return problem;
            }
        }
        else if (Verify(bytes, system, sequence) is { } damage)
        {
            return (MigrationOutcome.SourceDamaged, $"the source snapshot is damaged ({damage})");
        }

        var imported = false;
        if (!presentOnTarget)
        {
            // ImportAsync never overwrites: false means the target got this sequence meanwhile (or holds it in quarantine).
            imported = await _target.ImportAsync(system, sequence, EnvelopeBytes.FromArray(bytes), cancellationToken).ConfigureAwait(false);
        }

        // Read back what the target now holds, whoever wrote it: only a valid, byte-identical copy counts.
        var copy = await _target.ReadAsync(system, sequence, cancellationToken).ConfigureAwait(false);
        if (copy is null)
        {
            return (MigrationOutcome.Failed, imported
                ? "the copy cannot be read back from the target"
                : "the target holds this sequence but does not list it (quarantined there?); not overwritten");
        }

        // A chunked copy that is byte-identical was checked above against the target's chunks.
        if (!chunked && Verify(copy, system, sequence) is { } copyDamage)
        {
            return (MigrationOutcome.Failed, imported
                ? $"the copy read back from the target does not verify ({copyDamage})"
                : $"the target already holds a damaged snapshot at this sequence ({copyDamage}); not overwritten");
        }

        if (!copy.AsSpan().SequenceEqual(bytes))
        {
            return (MigrationOutcome.Failed, imported
                ? $"the copy read back from the target differs from the source (SHA-256 {SnapshotEnvelope.Sha256Hex(copy)[..12]}… vs {SnapshotEnvelope.Sha256Hex(bytes)[..12]}…)"
                : "the target already holds a different snapshot at this sequence; not overwritten");
        }

        return (imported ? MigrationOutcome.Copied : MigrationOutcome.AlreadyPresent, null);
    }

    private static bool IsChunked(byte[] envelope)
    {
        try
        {
            return SnapshotEnvelope.ReadHeader(envelope).Codec == ChunkManifest.Codec;
        }
        catch (EnvelopeFormatException)
        {
            return false; // damage: Verify names it
        }
    }

    /// <summary>
    /// Puts the chunks of a chunked source snapshot that the target lacks on the target (each checked before it is
    /// written), then checks the envelope against the chunks as the target now holds them. Returns the problem, or
    /// <see langword="null"/> when the envelope may be imported.
    /// </summary>
    private async Task<(MigrationOutcome Outcome, string? Reason)?> CopyChunksAsync(byte[] envelope, string system, long sequence, ChunkLedger chunks, CancellationToken cancellationToken)
    {
        ChunkManifest manifest;
        try
        {
            var (header, payload) = SnapshotEnvelope.Decode(envelope);
            if (header.System != system || header.Sequence != sequence)
            {
                return (MigrationOutcome.SourceDamaged, $"the source snapshot is damaged (header names {header.System}#{header.Sequence}, stored as {system}#{sequence})");
            }

            manifest = ChunkManifest.Parse(payload.Span, _maxStateBytes);
        }
        catch (EnvelopeFormatException ex)
        {
            return (MigrationOutcome.SourceDamaged, $"the source snapshot is damaged ({ex.Message})");
        }

        if (_target is not ISnapshotStoreWithChunks target)
        {
            return (MigrationOutcome.Failed, $"it is a chunked snapshot and the target store ({_target.Kind}) keeps no chunks; not copied");
        }

        if (_source is not ISnapshotStoreWithChunks source)
        {
            return (MigrationOutcome.SourceDamaged, $"it is a chunked snapshot and the source store ({_source.Kind}) keeps no chunks to read");
        }

        if (chunks.OnTarget is null)
        {
            // Listed once per system: a chunk already there (a resumed run, or shared with an earlier snapshot) is not copied.
            chunks.OnTarget = [];
            await foreach (var item in target.ListChunksAsync(system, cancellationToken).ConfigureAwait(false))
            {
                chunks.OnTarget.Add(item.Id);
            }

            chunks.Before = [.. chunks.OnTarget];
        }

        foreach (var entry in manifest.Chunks)
        {
            if (chunks.OnTarget.Contains(entry.Id))
            {
                if (chunks.Before!.Contains(entry.Id))
                {
                    chunks.AlreadyPresent.Add(entry.Id);
                }

                continue;
            }

            var stored = await source.ReadChunkAsync(system, entry.Id, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                return (MigrationOutcome.SourceDamaged, $"the source snapshot is damaged (chunk {entry.Id} is missing from the source)");
            }

            try
            {
                if (ChunkFrame.Decode(entry.Id, stored.Data, entry.Length, _maxExpansionRatio).Length != entry.Length)
                {
                    throw new EnvelopeFormatException("chunk length differs from the manifest");
                }
            }
            catch (EnvelopeFormatException ex)
            {
                return (MigrationOutcome.SourceDamaged, $"the source snapshot is damaged (chunk {entry.Id} is damaged: {ex.Message})");
            }

            await target.PutChunkAsync(system, entry.Id, stored.Data, cancellationToken).ConfigureAwait(false);
            chunks.OnTarget.Add(entry.Id);
            chunks.Copied.Add(entry.Id);
        }

        try
        {
            // Secrets are not re-judged: a migration copies what the source holds, byte for byte, like every other snapshot.
            await IncomingEnvelope.CheckAsync(
                envelope,
                system,
                sequence,
                _maxStateBytes,
                _maxExpansionRatio,
                SecretPolicy.Off,
                async (id, ct) => (await target.ReadChunkAsync(system, id, ct).ConfigureAwait(false))?.Data,
                cancellationToken).ConfigureAwait(false);
        }
        catch (IncomingEnvelopeException ex)
        {
            return (MigrationOutcome.Failed, $"the snapshot does not verify with the chunks on the target ({ex.Message}); not copied");
        }

        return null;
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items.ConfigureAwait(false))
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>The chunks of one system: what the target held, what it holds now, and what this run copied or found.</summary>
    private sealed class ChunkLedger
    {
        public HashSet<string>? OnTarget { get; set; }

        public HashSet<string>? Before { get; set; }

        public HashSet<string> Copied { get; } = new(StringComparer.Ordinal);

        public HashSet<string> AlreadyPresent { get; } = new(StringComparer.Ordinal);
    }
}
