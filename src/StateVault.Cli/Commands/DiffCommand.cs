using System.CommandLine;
using Spectre.Console;
using System.Text.Json.Nodes;
using StateVault.Cli.Output;

namespace StateVault.Cli.Commands;

/// <summary><c>statevault diff &lt;system&gt; &lt;seqA&gt; &lt;seqB&gt;</c>: changed JSON paths with old and new values.</summary>
internal static class DiffCommand
{
    public static Command Create()
    {
        var system = CommonArguments.System();
        var from = CommonArguments.Sequence("seqA", "The older snapshot.");
        var to = CommonArguments.Sequence("seqB", "The newer snapshot.");
        var command = new Command("diff", "Lists the JSON paths that differ between two snapshots, with old and new values.") { system, from, to };
        return command.WithAction(context => RunAsync(context, system, from, to));
    }

    private static async Task<int> RunAsync(CliContext context, Argument<string> systemArgument, Argument<long> fromArgument, Argument<long> toArgument)
    {
        var system = CommonArguments.ValidSystem(context.Get(systemArgument));
        var from = context.Get(fromArgument);
        var to = context.Get(toArgument);
        var diff = await context.Vault.DiffAsync(system, from, to, context.CancellationToken).ConfigureAwait(false)
            ?? throw await NotFoundAsync(context, system, from, to).ConfigureAwait(false);

        if (context.Json)
        {
            context.WriteJson(new DiffJson(system, from, to, diff.Changes.Select(c => new ChangeJson(c.Path, c.Kind, c.OldValue, c.NewValue)).ToList()));
            return ExitCodes.Ok;
        }

        if (diff.Changes.Count == 0)
        {
            context.Console.Out.WriteLine($"No differences between snapshots {from} and {to} of '{system}'.");
            return ExitCodes.Ok;
        }

        var table = Display.Table("Path", "Change", $"Old (#{from})", $"New (#{to})");
        foreach (var change in diff.Changes)
        {
            table.Row(change.Path, change.Kind, Value(change.Kind == "added", change.OldValue), Value(change.Kind == "removed", change.NewValue));
        }

        context.Console.Out.Write(table);
        context.Console.Out.WriteLine($"{diff.Changes.Count} change{(diff.Changes.Count == 1 ? string.Empty : "s")} between snapshots {from} and {to} of '{system}'.");
        return ExitCodes.Ok;
    }

    private static string Value(bool absent, JsonNode? value) => absent ? "-" : value?.ToJsonString() ?? "null";

    private static async Task<CliException> NotFoundAsync(CliContext context, string system, long from, long to)
    {
        var existing = new HashSet<long>();
        await foreach (var item in context.Vault.Store.ListAsync(system, context.CancellationToken).ConfigureAwait(false))
        {
            existing.Add(item.Sequence);
        }

        var missing = new[] { from, to }.Distinct().Where(s => !existing.Contains(s)).ToList();
        return CliException.NotFound(missing.Count switch
        {
            1 => $"Snapshot {missing[0]} of system '{system}' does not exist.",
            _ => $"Snapshots {from} and {to} of system '{system}' do not exist.",
        });
    }

    private sealed record DiffJson(string System, long FromSequence, long ToSequence, IReadOnlyList<ChangeJson> Changes);

    private sealed record ChangeJson(string Path, string Kind, JsonNode? OldValue, JsonNode? NewValue);
}
