using System.CommandLine;
using Spectre.Console;
using StateVault.Cli.Output;

namespace StateVault.Cli.Commands;

/// <summary><c>statevault systems</c>: one row per system.</summary>
internal static class SystemsCommand
{
    public static Command Create() =>
        new Command("systems", "One row per system: latest sequence, snapshot count, bytes, last saved.").WithAction(RunAsync);

    private static async Task<int> RunAsync(CliContext context)
    {
        var systems = await context.Vault.ListSystemsAsync(countChunks: false, context.CancellationToken).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(new SystemsJson(systems.Select(s => new SystemJson(s.Name, s.LatestSequence, s.Count, s.Bytes, s.LastSavedUtc, s.OldestUtc, s.Damaged)).ToList()));
            return ExitCodes.Ok;
        }

        if (systems.Count == 0)
        {
            context.Console.Out.WriteLine("No systems.");
            return ExitCodes.Ok;
        }

        var table = Display.Table("System", "Latest", "Snapshots", "Bytes", "Last saved (UTC)", "Damaged");
        foreach (var s in systems)
        {
            table.Row(s.Name, Display.Number(s.LatestSequence), Display.Number(s.Count), Display.Bytes(s.Bytes), Display.Time(s.LastSavedUtc), s.Damaged == 0 ? "-" : Display.Number(s.Damaged));
        }

        context.Console.Out.Write(table);
        return ExitCodes.Ok;
    }

    private sealed record SystemsJson(IReadOnlyList<SystemJson> Systems);

    private sealed record SystemJson(string System, long LatestSequence, int Count, long Bytes, DateTimeOffset? LastSavedUtc, DateTimeOffset? OldestSavedUtc, int Damaged);
}
