using System.CommandLine;

namespace StateVault.Cli.Commands;

/// <summary>
/// <c>statevault show &lt;system&gt; [--seq N]</c>: the state JSON alone on stdout, byte for byte as saved
/// (with <c>--json</c> too); warnings on stderr.
/// </summary>
internal static class ShowCommand
{
    public static Command Create()
    {
        var system = CommonArguments.System();
        var sequence = new Option<long?>("--seq")
        {
            Description = "The snapshot to show. Default: the newest valid one (damaged newer ones are skipped and quarantined).",
            HelpName = "N",
            CustomParser = NumberParsers.NullableLong("--seq", minimum: 1),
        };
        var command = new Command("show", "Prints the state JSON alone on stdout (the newest valid snapshot by default).") { system, sequence };
        return command.WithAction(context => RunAsync(context, system, sequence));
    }

    private static async Task<int> RunAsync(CliContext context, Argument<string> systemArgument, Option<long?> sequenceOption)
    {
        var system = CommonArguments.ValidSystem(context.Get(systemArgument));
        var vault = context.Vault;
        JsonSnapshot snapshot;
        if (context.Get(sequenceOption) is { } sequence)
        {
            snapshot = await vault.LoadJsonAsync(system, sequence, context.CancellationToken).ConfigureAwait(false)
                ?? throw CliException.NotFound($"Snapshot {sequence} of system '{system}' does not exist.");
        }
        else
        {
            var latest = await vault.LoadLatestJsonAsync(system, context.CancellationToken).ConfigureAwait(false);
            if (latest is null)
            {
                await CommonArguments.RequireSystemAsync(context, system).ConfigureAwait(false);
                throw new CliException(ExitCodes.Failure, $"System '{system}' has no valid snapshot: every one failed verification and was moved to quarantine. See 'statevault verify {system}'.");
            }

            snapshot = latest;
            foreach (var skipped in snapshot.Skipped)
            {
                context.Console.WriteWarning(
                    $"snapshot {skipped.Sequence} of '{system}' is damaged ({skipped.Reason}){(skipped.Quarantined ? " and was moved to quarantine" : skipped.QuarantineError is not null ? $" and could not be moved to quarantine ({skipped.QuarantineError})" : string.Empty)}; showing snapshot {snapshot.Metadata.Sequence}.");
            }
        }

        var stdout = context.Console.OpenOutput();
        await using (stdout.ConfigureAwait(false))
        {
            await stdout.WriteAsync(snapshot.Json, context.CancellationToken).ConfigureAwait(false);
            if (!context.Console.IsOutputRedirected)
            {
                // Only for a person at a terminal: a pipe or file gets exactly the saved bytes.
                stdout.WriteByte((byte)'\n');
            }

            await stdout.FlushAsync(context.CancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }
}
