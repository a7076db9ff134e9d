using System.CommandLine;
using Spectre.Console;
using StateVault.Cli.Output;
using StateVault.Managers.Legacy;

namespace StateVault.Cli.Commands;

/// <summary>
/// <c>statevault import-legacy &lt;dir&gt;</c>: imports the original system's <c>data/persistent</c> folders
/// (<c>&lt;dir&gt;/&lt;folder&gt;/&lt;prefix&gt;_data_YYYYmmdd_HHMMSS.json</c>) through <see cref="LegacyImporter"/>.
/// Exit code 0 when every file is imported or was imported before, 1 when some were skipped, 2 for a missing directory.
/// </summary>
internal static class ImportLegacyCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("dir")
        {
            Description = "The original system's data/persistent folder (one sub-folder per system: core_management, health_thresholds, …).",
        };
        var reimport = new Option<bool>("--reimport")
        {
            Description = "Import files imported before again with the current mapping; each new snapshot replaces the earlier ones of its file "
                + "(no duplicate history) and the newest becomes its system's state.",
        };
        var command = new Command(
            "import-legacy",
            "Imports the original system's files, oldest first, as snapshots of the matching systems (original file name and timestamp kept as attributes), "
            + "every field into the managers' typed state; only fields with no typed place are kept under 'legacy'. "
            + "Importing twice creates no duplicates. Exit code 1 when some files were skipped (each is listed with its reason).")
        {
            directory,
            reimport,
        };
        return command.WithAction(context => RunAsync(context, directory, reimport));
    }

    private static async Task<int> RunAsync(CliContext context, Argument<string> directoryArgument, Option<bool> reimportOption)
    {
        var directory = context.Get(directoryArgument);
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw CliException.InvalidInput("No directory given.");
        }

        // Checked before the store is opened: a typo in the path writes nothing.
        if (!Directory.Exists(directory))
        {
            throw CliException.InvalidInput($"No such directory: {directory}");
        }

        LegacyImportReport report;
        try
        {
            var options = new LegacyImportOptions { Reimport = context.Get(reimportOption) };
            report = await LegacyImporter.ImportAsync(context.Vault, directory, options, logger: null, context.CancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryNotFoundException ex)
        {
            // Removed between the check and the import.
            throw CliException.InvalidInput(ex.Message, ex);
        }

        if (context.Json)
        {
            context.WriteJson(new ImportJson(
                report.Imported,
                report.Reimported,
                report.AlreadyImported,
                report.Skipped,
                report.Files.Select(f => new FileJson(f.File, f.System, StatusText(f.Status), f.Sequence, f.Reason, f.MappedFields, f.LegacyFields, f.Replaced)).ToList()));
        }
        else if (report.Files.Count == 0)
        {
            context.Console.Out.WriteLine("No original files found.");
        }
        else
        {
            var table = Display.Table("File", "System", "Result", "Seq", "Mapped", "Kept under legacy", "Reason");
            foreach (var f in report.Files)
            {
                var reason = f.Reason ?? (f.Replaced is { Count: > 0 } replaced ? "replaced #" + string.Join(", #", replaced) : string.Empty);
                table.Row(
                    f.File,
                    f.System,
                    StatusText(f.Status),
                    f.Sequence is { } seq ? Display.Number(seq) : "-",
                    f.MappedFields is { } mapped ? Display.Number(mapped) : "-",
                    f.LegacyFields is { } kept ? Display.Number(kept) : "-",
                    reason);
            }

            context.Console.Out.Write(table);
            context.Console.Out.WriteLine(report.Reimported > 0
                ? $"Imported {report.Imported}, re-imported {report.Reimported}, already imported {report.AlreadyImported}, skipped {report.Skipped}."
                : $"Imported {report.Imported}, already imported {report.AlreadyImported}, skipped {report.Skipped}.");
        }

        if (report.HasSkipped)
        {
            context.Console.WriteWarning($"{report.Skipped} file(s) were skipped and not imported: {string.Join(", ", report.Files.Where(f => f.Status == LegacyImportStatus.Skipped).Select(f => f.File))}.");
            return ExitCodes.Failure;
        }

        return ExitCodes.Ok;
    }

    private static string StatusText(LegacyImportStatus status) => status switch
    {
        LegacyImportStatus.Imported => "imported",
        LegacyImportStatus.AlreadyImported => "already imported",
        LegacyImportStatus.Reimported => "reimported",
        _ => "skipped",
    };

    private sealed record ImportJson(int Imported, int Reimported, int AlreadyImported, int Skipped, IReadOnlyList<FileJson> Files);

    private sealed record FileJson(string File, string System, string Status, long? Sequence, string? Reason, int? MappedFields, int? LegacyFields, IReadOnlyList<long>? Replaced);
}
