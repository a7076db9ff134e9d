using StateVault.Codecs;
using StateVault.Envelope;
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
/// </remarks>
internal sealed class SnapshotMigrator
{
    private readonly ISnapshotStore _source;
    private readonly ISnapshotStore _target;

    public SnapshotMigrator(ISnapshotStore source, ISnapshotStore target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        _source = source;
        _target = target;
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
            foreach (var snapshot in snapshots)
            {
                var (outcome, reason) = await CopyAsync(name, snapshot.Sequence, present.Contains(snapshot.Sequence), cancellationToken).ConfigureAwait(false);
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
                counts.GetValueOrDefault(MigrationOutcome.Vanished)));
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

    private async Task<(MigrationOutcome Outcome, string? Reason)> CopyAsync(string system, long sequence, bool presentOnTarget, CancellationToken cancellationToken)
    {
        var bytes = await _source.ReadAsync(system, sequence, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return (MigrationOutcome.Vanished, "deleted from the source during the migration");
        }

        if (Verify(bytes, system, sequence) is { } damage)
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

        if (Verify(copy, system, sequence) is { } copyDamage)
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

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items.ConfigureAwait(false))
        {
            list.Add(item);
        }

        return list;
    }
}
