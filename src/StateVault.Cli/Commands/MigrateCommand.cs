using System.CommandLine;
using Spectre.Console;
using StateVault.Cli.Migration;
using StateVault.Cli.Output;
using StateVault.Storage;

namespace StateVault.Cli.Commands;

/// <summary>
/// <c>statevault migrate --from URI --to URI [--system S]</c>: copies every snapshot between stores of any kind,
/// verifying each copy; resumable. Exit code 1 when any source snapshot was damaged or any copy did not verify.
/// </summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "The source store URI.", HelpName = "URI", Required = true };
        var to = new Option<string>("--to") { Description = "The target store URI.", HelpName = "URI", Required = true };
        var system = new Option<string?>("--system") { Description = "Migrate only this system. Default: every system.", HelpName = "S" };
        var command = new Command("migrate", "Copies every snapshot (same sequence numbers, times and bytes) from one store to another, verifying each copy; a second run copies only what is missing.")
        {
            from, to, system,
        };
        return command.WithAction(context => RunAsync(context, context.Get(from)!, context.Get(to)!, context.Get(system)));
    }

    private static async Task<int> RunAsync(CliContext context, string fromUri, string toUri, string? systemName)
    {
        var system = systemName is null ? null : CommonArguments.ValidSystem(systemName);
        if (SameStore(fromUri, toUri))
        {
            throw CliException.InvalidInput("--from and --to name the same store.");
        }

        var source = context.OpenStore(fromUri);
        var target = context.OpenStore(toUri);
        if (system is not null && await source.GetLatestSequenceAsync(system, context.CancellationToken).ConfigureAwait(false) == 0)
        {
            throw CliException.NotFound($"System '{system}' has no snapshots in the source store.");
        }

        var migrator = new SnapshotMigrator(source, target);
        MigrationReport report;
        if (context.Console.CanShowProgress)
        {
            report = await context.Console.Error.Progress()
                .AutoClear(true)
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask("Migrating", autoStart: true, maxValue: 1);
                    return await migrator.MigrateAsync(system, new StepReporter(step =>
                    {
                        task.MaxValue = Math.Max(1, step.Total);
                        task.Value = step.Done;
                        task.Description = $"Migrating {step.System}";
                    }), context.CancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        else
        {
            report = await migrator.MigrateAsync(system, progress: null, context.CancellationToken).ConfigureAwait(false);
        }

        foreach (var problem in report.Problems)
        {
            var what = problem.Outcome == MigrationOutcome.Vanished ? "skipped" : "NOT copied";
            context.Console.WriteWarning($"{problem.System} #{problem.Sequence} {what}: {problem.Reason}.");
        }

        var fromShown = SnapshotStoreFactory.Redact(fromUri);
        var toShown = SnapshotStoreFactory.Redact(toUri);
        if (context.Json)
        {
            context.WriteJson(new MigrateJson(
                fromShown,
                toShown,
                report.Succeeded,
                report.Systems.Select(s => new SystemJson(s.System, s.Copied, s.AlreadyPresent, s.SourceDamaged, s.Failed, s.Vanished, s.ChunksCopied, s.ChunksAlreadyPresent)).ToList(),
                report.Problems.Select(p => new ProblemJson(p.System, p.Sequence, p.Outcome, p.Reason ?? string.Empty)).ToList()));
        }
        else
        {
            var table = Display.Table("System", "Copied", "Already present", "Source damaged", "Failed", "Gone from source");
            foreach (var s in report.Systems)
            {
                table.Row(s.System, Display.Number(s.Copied), Display.Number(s.AlreadyPresent), Display.Number(s.SourceDamaged), Display.Number(s.Failed), Display.Number(s.Vanished));
            }

            table.Row(
                "total",
                Display.Number(report.Systems.Sum(s => s.Copied)),
                Display.Number(report.Systems.Sum(s => s.AlreadyPresent)),
                Display.Number(report.Systems.Sum(s => s.SourceDamaged)),
                Display.Number(report.Systems.Sum(s => s.Failed)),
                Display.Number(report.Systems.Sum(s => s.Vanished)));
            context.Console.Out.Write(table);
            var chunksCopied = report.Systems.Sum(s => s.ChunksCopied);
            var chunksPresent = report.Systems.Sum(s => s.ChunksAlreadyPresent);
            if (chunksCopied + chunksPresent > 0)
            {
                context.Console.Out.WriteLine($"Chunks of chunked snapshots: {Display.Number(chunksCopied)} copied, {Display.Number(chunksPresent)} already on the target.");
            }

            context.Console.Out.WriteLine(report.Succeeded
                ? $"Migrated {fromShown} to {toShown}: every snapshot verified on the target."
                : $"Migrated {fromShown} to {toShown} with problems: {report.Problems.Count(p => p.Outcome != MigrationOutcome.Vanished)} snapshot(s) not copied (see the warnings above).");
        }

        return report.Succeeded ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static bool SameStore(string from, string to)
    {
        if (string.Equals(from, to, StringComparison.Ordinal))
        {
            return true;
        }

        return SnapshotStoreFactory.GetScheme(from) == FileSnapshotStoreProvider.Scheme
            && SnapshotStoreFactory.GetScheme(to) == FileSnapshotStoreProvider.Scheme
            && string.Equals(
                Path.TrimEndingDirectorySeparator(Path.GetFullPath(FileSnapshotStoreProvider.ParsePath(from))),
                Path.TrimEndingDirectorySeparator(Path.GetFullPath(FileSnapshotStoreProvider.ParsePath(to))),
                StringComparison.Ordinal);
    }

    /// <summary>Reports synchronously on the migrating thread.</summary>
    private sealed class StepReporter(Action<MigrationStep> report) : IProgress<MigrationStep>
    {
        public void Report(MigrationStep value) => report(value);
    }

    private sealed record MigrateJson(string From, string To, bool Succeeded, IReadOnlyList<SystemJson> Systems, IReadOnlyList<ProblemJson> Problems);

    private sealed record SystemJson(string System, int Copied, int AlreadyPresent, int SourceDamaged, int Failed, int Vanished, int ChunksCopied, int ChunksAlreadyPresent);

    private sealed record ProblemJson(string System, long Sequence, MigrationOutcome Outcome, string Reason);
}
