using System.CommandLine;
using Spectre.Console;
using StateVault.Cli.Output;

namespace StateVault.Cli.Commands;

/// <summary><c>statevault restore &lt;system&gt; &lt;seq&gt;</c>: a copy of snapshot seq becomes the newest one; history is kept.</summary>
internal static class RestoreCommand
{
    public static Command Create()
    {
        var system = CommonArguments.System();
        var sequence = CommonArguments.Sequence("seq", "The snapshot to restore.");
        var command = new Command("restore", "Makes a copy of snapshot seq the newest snapshot (history is kept).") { system, sequence };
        return command.WithAction(context => RunAsync(context, system, sequence));
    }

    private static async Task<int> RunAsync(CliContext context, Argument<string> systemArgument, Argument<long> sequenceArgument)
    {
        var system = CommonArguments.ValidSystem(context.Get(systemArgument));
        var sequence = context.Get(sequenceArgument);
        var restored = await context.Vault.RestoreAsync(system, sequence, options: null, context.CancellationToken).ConfigureAwait(false)
            ?? throw CliException.NotFound($"Snapshot {sequence} of system '{system}' does not exist.");
        var (policy, removed) = await RetentionAfterSave.ApplyAsync(context, system).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(new RestoreJson(SnapshotJson.From(restored), sequence, policy, removed));
            return ExitCodes.Ok;
        }

        context.Console.Out.WriteLine($"Restored snapshot {sequence} of '{system}' as snapshot {restored.Sequence}.");
        context.Console.Out.Write(MetadataTable.Create(restored));
        context.Console.Out.WriteLine(RetentionAfterSave.Describe(policy, removed));
        return ExitCodes.Ok;
    }

    private sealed record RestoreJson(SnapshotJson Snapshot, long RestoredFrom, string RetentionPolicy, IReadOnlyList<long> Pruned);
}
