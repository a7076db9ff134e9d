using System.CommandLine;
using Spectre.Console;
using StateVault.Cli.Output;

namespace StateVault.Cli.Commands;

/// <summary>
/// <c>statevault verify [&lt;system&gt;]</c>: checks every snapshot (checksums, format, codec) and lists damaged ones.
/// Changes nothing. Exit code 3 when any snapshot is damaged.
/// </summary>
internal static class VerifyCommand
{
    /// <summary>Below this many snapshots a progress bar would only flicker.</summary>
    private const int ProgressThreshold = 20;

    public static Command Create()
    {
        var system = CommonArguments.OptionalSystem("The system to check. Default: every system.");
        var command = new Command("verify", "Checks every snapshot of one system or all; lists damaged ones (exit code 3 when any is damaged).") { system };
        return command.WithAction(context => RunAsync(context, system));
    }

    private static async Task<int> RunAsync(CliContext context, Argument<string?> systemArgument)
    {
        var system = context.Get(systemArgument) is { } name ? CommonArguments.ValidSystem(name) : null;
        var vault = context.Vault;
        var total = await vault.CountSnapshotsAsync(system, context.CancellationToken).ConfigureAwait(false);
        if (system is not null && total == 0)
        {
            throw CliException.NotFound($"System '{system}' has no snapshots in this store.");
        }

        VerifyReport report;
        if (total >= ProgressThreshold && context.Console.CanShowProgress)
        {
            report = await context.Console.Error.Progress()
                .AutoClear(true)
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask("Verifying snapshots", maxValue: total);
                    var result = await vault.VerifyAsync(system, new ProgressReporter(count => task.Value = count), context.CancellationToken).ConfigureAwait(false);
                    task.Value = total;
                    return result;
                }).ConfigureAwait(false);
        }
        else
        {
            report = await vault.VerifyAsync(system, progress: null, context.CancellationToken).ConfigureAwait(false);
        }

        var damaged = report.Damaged;
        var perSystem = report.Snapshots.GroupBy(s => s.System, StringComparer.Ordinal)
            .Select(g => new SystemResultJson(g.Key, g.Count(), g.Count(s => !s.IsValid)))
            .OrderBy(s => s.System, StringComparer.Ordinal)
            .ToList();
        if (context.Json)
        {
            context.WriteJson(new VerifyJson(
                report.IsHealthy,
                report.Snapshots.Count,
                perSystem,
                damaged.Select(d => new DamagedJson(d.System, d.Sequence, d.StoredBytes, d.Error!)).ToList()));
        }
        else
        {
            if (damaged.Count > 0)
            {
                var table = Display.Table("System", "Seq", "Size", "Problem");
                foreach (var d in damaged)
                {
                    table.Row(d.System, Display.Number(d.Sequence), Display.Bytes(d.StoredBytes), d.Error);
                }

                context.Console.Out.Write(table);
            }

            context.Console.Out.WriteLine(report.IsHealthy
                ? $"Checked {report.Snapshots.Count} snapshot(s) in {perSystem.Count} system(s): all valid."
                : $"Checked {report.Snapshots.Count} snapshot(s) in {perSystem.Count} system(s): {damaged.Count} DAMAGED ({string.Join(", ", damaged.Select(d => $"{d.System} #{d.Sequence}"))}).");
        }

        return report.IsHealthy ? ExitCodes.Ok : ExitCodes.Damaged;
    }

    /// <summary>Reports synchronously on the verifying thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class ProgressReporter(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    private sealed record VerifyJson(bool Healthy, int Checked, IReadOnlyList<SystemResultJson> Systems, IReadOnlyList<DamagedJson> Damaged);

    private sealed record SystemResultJson(string System, int Checked, int Damaged);

    private sealed record DamagedJson(string System, long Sequence, long StoredBytes, string Error);
}
