using System.CommandLine;
using Spectre.Console;
using StateVault.Cli.Output;

namespace StateVault.Cli.Commands;

/// <summary><c>statevault stats</c>: sizes, counts and growth per system, over the history the store keeps.</summary>
internal static class StatsCommand
{
    public static Command Create() =>
        new Command("stats", "Sizes, counts and growth per system over the kept history.").WithAction(RunAsync);

    private static async Task<int> RunAsync(CliContext context)
    {
        var vault = context.Vault;
        var rows = new List<SystemStatsJson>();
        foreach (var summary in await vault.ListSystemsAsync(context.CancellationToken).ConfigureAwait(false))
        {
            var snapshots = await vault.ListAsync(summary.Name, context.CancellationToken).ConfigureAwait(false);
            rows.Add(Compute(summary, snapshots));
        }

        var totals = new TotalsJson(rows.Count, rows.Sum(r => r.Count), rows.Sum(r => r.Bytes), rows.Sum(r => r.Damaged));
        if (context.Json)
        {
            context.WriteJson(new StatsJson(rows, totals));
            return ExitCodes.Ok;
        }

        if (rows.Count == 0)
        {
            context.Console.Out.WriteLine("No systems.");
            return ExitCodes.Ok;
        }

        var table = Display.Table("System", "Snapshots", "Bytes", "Avg size", "Newest JSON", "First saved (UTC)", "Last saved (UTC)", "Saves/day", "Written/day", "Growth/day", "Damaged");
        foreach (var r in rows)
        {
            table.Row(
                r.System,
                Display.Number(r.Count),
                Display.Bytes(r.Bytes),
                Display.Bytes(r.AverageSnapshotBytes),
                r.NewestStateBytes is { } newest ? Display.Bytes(newest) : "-",
                Display.Time(r.FirstSavedUtc),
                Display.Time(r.LastSavedUtc),
                Display.Number(r.SavesPerDay, "0.##"),
                Display.Bytes(r.WrittenBytesPerDay),
                r.StateGrowthBytesPerDay is { } growth ? (growth < 0 ? "-" : "+") + Display.Bytes(Math.Abs(growth)) : "-",
                r.Damaged == 0 ? "-" : Display.Number(r.Damaged));
        }

        table.Row("total", Display.Number(totals.Count), Display.Bytes(totals.Bytes), string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, totals.Damaged == 0 ? "-" : Display.Number(totals.Damaged));
        context.Console.Out.Write(table);
        return ExitCodes.Ok;
    }

    private static SystemStatsJson Compute(SystemSummary summary, IReadOnlyList<SnapshotListing> snapshots)
    {
        var validListings = snapshots.Where(s => s.IsValid).OrderBy(s => s.Sequence).ToList();
        var valid = validListings.Select(s => s.Metadata!).ToList();
        var bytes = snapshots.Sum(s => s.StoredBytes);
        var first = valid.Count > 0 ? valid.Min(m => m.CreatedUtc) : (DateTimeOffset?)null;
        var last = valid.Count > 0 ? valid.Max(m => m.CreatedUtc) : (DateTimeOffset?)null;
        // Rates need a time span; a history saved within one instant has none.
        var days = first is { } f && last is { } l && l > f ? (l - f).TotalDays : (double?)null;
        return new SystemStatsJson(
            summary.Name,
            summary.LatestSequence,
            snapshots.Count,
            bytes,
            snapshots.Count == 0 ? null : (double)bytes / snapshots.Count,
            valid.Count == 0 ? null : valid[^1].RawLength,
            first,
            last,
            days,
            days is { } d1 ? (valid.Count - 1) / d1 : null,
            days is { } d2 ? validListings.Sum(s => (double)s.StoredBytes) / d2 : null,
            days is { } d3 ? (valid[^1].RawLength - valid[0].RawLength) / d3 : null,
            summary.Damaged);
    }

    private sealed record StatsJson(IReadOnlyList<SystemStatsJson> Systems, TotalsJson Totals);

    /// <summary>
    /// One system. Rates are over the kept history (first to last saved): <c>saves_per_day</c>,
    /// <c>written_bytes_per_day</c> (stored bytes of the kept snapshots per day) and <c>state_growth_bytes_per_day</c>
    /// (change of the state's JSON size per day, oldest to newest; negative when it shrank); null when the span is zero.
    /// </summary>
    private sealed record SystemStatsJson(
        string System,
        long LatestSequence,
        int Count,
        long Bytes,
        double? AverageSnapshotBytes,
        long? NewestStateBytes,
        DateTimeOffset? FirstSavedUtc,
        DateTimeOffset? LastSavedUtc,
        double? HistoryDays,
        double? SavesPerDay,
        double? WrittenBytesPerDay,
        double? StateGrowthBytesPerDay,
        int Damaged);

    private sealed record TotalsJson(int Systems, int Count, long Bytes, int Damaged);
}
