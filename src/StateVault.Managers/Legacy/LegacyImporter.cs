using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StateVault.Managers.AiMlCore;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Core;
using StateVault.Managers.Dependencies;
using StateVault.Managers.GamingAlerts;
using StateVault.Managers.HealthThresholds;
using StateVault.Managers.Swarm;
using StateVault.Managers.Workflows;
using StateVault.Schema;

namespace StateVault.Managers.Legacy;

/// <summary>
/// Imports the original system's files, <c>&lt;dir&gt;/&lt;folder&gt;/&lt;prefix&gt;_data_YYYYmmdd_HHMMSS.json</c> for the nine
/// original folders, oldest first, as snapshots of the matching systems: every field of the original's file shapes into the
/// typed state (<c>LegacyShapes</c>; the table is <c>docs/legacy-mapping.md</c>), what has no typed place kept under
/// <c>legacy</c>, and per file the count of each. Each snapshot records the original file name, its timestamp and its
/// SHA-256 as attributes and is created at the file's time. Importing twice creates no duplicates: imported files are
/// recognized by those attributes and by a ledger kept in the <c>legacy_import</c> system; with
/// <see cref="LegacyImportOptions.Reimport"/> they are imported again and replace their earlier snapshots. An unreadable file
/// is reported and skipped; the rest imports.
/// </summary>
/// <remarks>
/// A file older than a snapshot the managers already wrote for its system is skipped: importing it would make older data
/// the newest state. Import into a store before the managers first run there.
/// </remarks>
public static partial class LegacyImporter
{
    /// <summary>The system that keeps the ledger of imported files.</summary>
    public const string LedgerSystem = "legacy_import";

    /// <summary>Snapshot attribute: <c>&lt;folder&gt;/&lt;file name&gt;</c> of the original file.</summary>
    public const string FileAttribute = "legacy_file";

    /// <summary>Snapshot attribute: the original file's timestamp as written (naive local time).</summary>
    public const string TimestampAttribute = "legacy_timestamp";

    /// <summary>Snapshot attribute: SHA-256 of the original file, lowercase hex.</summary>
    public const string HashAttribute = "legacy_sha256";

    /// <summary>The tag on every imported snapshot.</summary>
    public const string Tag = "legacy";

    /// <summary>The original folders, in import order.</summary>
    public static IReadOnlyList<string> Folders { get; } =
    [
        CoreManager.ManagerName,
        HealthThresholdsManager.ManagerName,
        SwarmIntegrationManager.ManagerName,
        GamingAlertsManager.ManagerName,
        DependenciesManager.ManagerName,
        AiMlWorkflowsManager.ManagerName,
        AiMlCoreManager.ManagerName,
        AiMlCoreManager.ModelsSystem,
        ApiKeysManager.ManagerName,
    ];

    /// <summary>Imports every original file under <paramref name="directory"/> (naive times read in the local time zone).</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="SnapshotStoreException">The store failed; files imported before the failure stay imported.</exception>
    public static Task<LegacyImportReport> ImportAsync(SnapshotVault vault, string directory, CancellationToken cancellationToken = default) =>
        ImportAsync(vault, directory, options: null, logger: null, cancellationToken);

    /// <summary>Imports every original file under <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="SnapshotStoreException">The store failed; files imported before the failure stay imported.</exception>
    public static async Task<LegacyImportReport> ImportAsync(SnapshotVault vault, string directory, LegacyImportOptions? options, ILogger? logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"No such directory: {directory}");
        }

        options ??= new LegacyImportOptions();
        logger ??= NullLogger.Instance;
        var ledger = await LoadLedgerAsync(vault, cancellationToken).ConfigureAwait(false);
        var ledgerChanged = false;
        var outcomes = new List<LegacyFileOutcome>();
        try
        {
            foreach (var system in Folders)
            {
                var folder = Path.Combine(directory, system);
                if (!Directory.Exists(folder))
                {
                    continue;
                }

                var existing = await ExistingAsync(vault, system, cancellationToken).ConfigureAwait(false);
                foreach (var candidate in Candidates(folder, system, outcomes))
                {
                    var outcome = await ImportFileAsync(vault, system, candidate, existing, ledger, options, cancellationToken).ConfigureAwait(false);
                    outcomes.Add(outcome);
                    if (outcome.Status is LegacyImportStatus.Imported or LegacyImportStatus.Reimported)
                    {
                        ledgerChanged = true;
                        ManagersLog.LegacyImported(logger, outcome.File, system, outcome.Sequence!.Value);
                    }
                    else if (outcome.Status == LegacyImportStatus.Skipped)
                    {
                        ManagersLog.LegacySkipped(logger, outcome.File, outcome.Reason!);
                    }
                }
            }
        }
        finally
        {
            if (ledgerChanged)
            {
                await vault.SaveJsonAsync(LedgerSystem, JsonSerializer.SerializeToUtf8Bytes(ledger), new SaveOptions { StateType = "legacy_import_ledger" }, cancellationToken).ConfigureAwait(false);
            }
        }

        return new LegacyImportReport(outcomes);
    }

    private static IEnumerable<Candidate> Candidates(string folder, string system, List<LegacyFileOutcome> outcomes)
    {
        var candidates = new List<Candidate>();
        foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.'))
            {
                continue;
            }

            var match = FileNamePattern().Match(name);
            if (!match.Success || !DateTime.TryParseExact(match.Groups["stamp"].Value, "yyyyMMdd_HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var stamp))
            {
                outcomes.Add(new LegacyFileOutcome($"{system}/{name}", system, LegacyImportStatus.Skipped, null, "the name is not <prefix>_data_YYYYmmdd_HHMMSS.json"));
                continue;
            }

            candidates.Add(new Candidate(path, $"{system}/{name}", stamp));
        }

        // Oldest first, so the newest original file becomes the newest snapshot.
        return candidates.OrderBy(c => c.Stamp).ThenBy(c => c.File, StringComparer.Ordinal);
    }

    private static async Task<LegacyFileOutcome> ImportFileAsync(
        SnapshotVault vault,
        string system,
        Candidate candidate,
        Existing existing,
        JsonObject ledger,
        LegacyImportOptions options,
        CancellationToken cancellationToken)
    {
        var earlier = existing.Imported.GetValueOrDefault(candidate.File) ?? [];
        var inLedger = ledger["files"]?[candidate.File] is JsonObject;
        if ((earlier.Count > 0 || inLedger) && !options.Reimport)
        {
            var sequence = earlier.Count > 0 ? earlier.Max() : ledger["files"]?[candidate.File]?["sequence"]?.GetValue<long>();
            return new LegacyFileOutcome(candidate.File, system, LegacyImportStatus.AlreadyImported, sequence, null);
        }

        var reimport = earlier.Count > 0 || inLedger;

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(candidate.Path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Skipped(candidate, system, $"unreadable: {ex.GetType().Name}");
        }

        JsonObject document;
        try
        {
            document = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true }) as JsonObject
                ?? throw new JsonException("the file holds no JSON object");
        }
        catch (JsonException ex)
        {
            return Skipped(candidate, system, $"not a JSON object ({ex.Message})");
        }

        var fileTime = LegacyMapper.FromLocal(candidate.Stamp, options.TimeZone);
        var written = document["timestamp"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : candidate.Stamp.ToString("s", CultureInfo.InvariantCulture);
        if (DateTime.TryParse(written, CultureInfo.InvariantCulture, DateTimeStyles.None, out var precise) && precise.Kind == DateTimeKind.Unspecified)
        {
            fileTime = LegacyMapper.FromLocal(precise, options.TimeZone);
        }

        if (!reimport && existing.NewestManaged is { } newest && newest.CreatedUtc > fileTime)
        {
            return Skipped(candidate, system, $"the system already has snapshot {newest.Sequence} written after this file; importing it would make older data the newest state");
        }

        var stateType = LegacyMapper.StateTypes[system];
        JsonObject typed;
        LegacyMapping mapping;
        try
        {
            mapping = LegacyMapper.MapFile(system, document, vault.JsonOptions, options.TimeZone, fileTime);
            typed = mapping.State;
            _ = typed.Deserialize(stateType, vault.JsonOptions) ?? throw new JsonException("the mapped state is null");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return Skipped(candidate, system, $"does not map to {stateType.Name} ({ex.Message})");
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        SnapshotMetadata metadata;
        try
        {
            metadata = await vault.SaveJsonAsync(
                system,
                JsonSerializer.SerializeToUtf8Bytes(typed, vault.JsonOptions),
                new SaveOptions
                {
                    StateType = UpcasterRegistry.GetName(stateType),
                    SchemaVersion = UpcasterRegistry.GetVersion(stateType),
                    CreatedUtc = fileTime,
                    Tags = [Tag],
                    Attributes = new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        [FileAttribute] = candidate.File,
                        [TimestampAttribute] = written,
                        [HashAttribute] = sha,
                    },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (SecretDetectedException ex)
        {
            return Skipped(candidate, system, ex.Message);
        }

        // The new snapshot is durable; only now do the earlier imports of the same file go, so a failure here loses nothing.
        var replaced = new List<long>();
        foreach (var old in earlier.Where(s => s != metadata.Sequence))
        {
            if (await vault.DeleteAsync(system, old, cancellationToken).ConfigureAwait(false))
            {
                replaced.Add(old);
            }
        }

        var files = ledger["files"] as JsonObject ?? [];
        ledger["files"] = files;
        files[candidate.File] = new JsonObject
        {
            ["system"] = system,
            ["sequence"] = metadata.Sequence,
            ["sha256"] = sha,
            ["timestamp"] = written,
        };
        existing.Imported[candidate.File] = [metadata.Sequence];
        return new LegacyFileOutcome(
            candidate.File,
            system,
            reimport ? LegacyImportStatus.Reimported : LegacyImportStatus.Imported,
            metadata.Sequence,
            null,
            mapping.MappedFields,
            mapping.LegacyFields,
            replaced);
    }

    private static LegacyFileOutcome Skipped(Candidate candidate, string system, string reason) =>
        new(candidate.File, system, LegacyImportStatus.Skipped, null, reason);

    private static async Task<JsonObject> LoadLedgerAsync(SnapshotVault vault, CancellationToken cancellationToken)
    {
        var snapshot = await vault.LoadLatestJsonAsync(LedgerSystem, cancellationToken).ConfigureAwait(false);
        return snapshot is not null && JsonNode.Parse(snapshot.Json.Span) is JsonObject ledger ? ledger : new JsonObject { ["files"] = new JsonObject() };
    }

    private static async Task<Existing> ExistingAsync(SnapshotVault vault, string system, CancellationToken cancellationToken)
    {
        var imported = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        SnapshotMetadata? newestManaged = null;
        foreach (var listing in await vault.ListAsync(system, cancellationToken).ConfigureAwait(false))
        {
            if (listing.Metadata is not { } metadata)
            {
                continue;
            }

            if (metadata.Attributes.TryGetValue(FileAttribute, out var file))
            {
                if (!imported.TryGetValue(file, out var sequences))
                {
                    imported[file] = sequences = [];
                }

                sequences.Add(metadata.Sequence);
            }
            else if (newestManaged is null || metadata.CreatedUtc > newestManaged.CreatedUtc)
            {
                newestManaged = metadata;
            }
        }

        return new Existing(imported, newestManaged);
    }

    [GeneratedRegex(@"^(?<prefix>[A-Za-z0-9_.-]+)_data_(?<stamp>\d{8}_\d{6})\.json$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();

    private sealed record Candidate(string Path, string File, DateTime Stamp);

    private sealed record Existing(Dictionary<string, List<long>> Imported, SnapshotMetadata? NewestManaged);
}
