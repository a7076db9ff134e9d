using System.CommandLine;
using Spectre.Console;
using StateVault.Cli.Output;

namespace StateVault.Cli.Commands;

/// <summary>
/// <c>statevault stats</c>: sizes, counts and growth per system, over the history the store keeps. Rates per day are
/// projected only from a history of at least <see cref="MinimumWindow"/> and <see cref="MinimumSaves"/> saves; a shorter one
/// (six seconds of saves would project tens of thousands a day) shows no rates and says why.
/// </summary>
internal static class StatsCommand
{
    /// <summary>The shortest span of kept history (first to last saved) rates are projected from.</summary>
    public static readonly TimeSpan MinimumWindow = TimeSpan.FromHours(1);

    /// <summary>The fewest saves within that span (by sequence number, so saves retention removed since count too).</summary>
    public const long MinimumSaves = 10;

    private static readonly string s_ratesRule = $"rates need at least {MinimumWindow.TotalHours:0} h and {MinimumSaves} saves of history";

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
        foreach (var r in rows.Where(r => r.Chunks > 0))
        {
            context.Console.Out.WriteLine($"Chunks of {r.System}: {Display.Number(r.Chunks)} ({Display.Bytes(r.ChunkBytes)}), besides the snapshot bytes above.");
        }

        if (rows.Any(r => r.RatesNote is not null))
        {
            context.Console.Out.WriteLine($"Rates show '-' where the kept history is too short: {s_ratesRule}.");
        }
        return ExitCodes.Ok;
    }

    private static SystemStatsJson Compute(SystemSummary summary, IReadOnlyList<SnapshotListing> snapshots)
    {
        var validListings = snapshots.Where(s => s.IsValid).OrderBy(s => s.Sequence).ToList();
        var valid = validListings.Select(s => s.Metadata!).ToList();
        var bytes = snapshots.Sum(s => s.StoredBytes);
        var first = valid.Count > 0 ? valid.Min(m => m.CreatedUtc) : (DateTimeOffset?)null;
        var last = valid.Count > 0 ? valid.Max(m => m.CreatedUtc) : (DateTimeOffset?)null;
        // The span of the kept history; rates are projected from it only when it is long enough (see MinimumWindow/MinimumSaves).
        var days = first is { } f && last is { } l && l > f ? (l - f).TotalDays : (double?)null;
        var saves = validListings.Count > 1 ? validListings[^1].Sequence - validListings[0].Sequence : 0;
        string? note = null;
        if (valid.Count > 0 && (days is not { } span || TimeSpan.FromDays(span) < MinimumWindow || saves < MinimumSaves))
        {
            note = $"not projected: the kept history spans {Span(days)} and {saves} save(s); {s_ratesRule}";
        }

        var rateDays = note is null ? days : null;
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
            rateDays is { } d1 ? saves / d1 : null,
            rateDays is { } d2 ? validListings.Sum(s => (double)s.StoredBytes) / d2 : null,
            rateDays is { } d3 ? (valid[^1].RawLength - valid[0].RawLength) / d3 : null,
            summary.Damaged,
            note,
            summary.Chunks,
            summary.ChunkBytes);
    }

    private static string Span(double? days) => days switch
    {
        null => "no time",
        < 1.0 / 1440 => $"{days.Value * 86400:0.#} s",
        < 1.0 / 24 => $"{days.Value * 1440:0.#} min",
        < 1 => $"{days.Value * 24:0.#} h",
        _ => $"{days.Value:0.#} d",
    };

    private sealed record StatsJson(IReadOnlyList<SystemStatsJson> Systems, TotalsJson Totals);

    /// <summary>
    /// One system. Rates are over the kept history (first to last saved): <c>saves_per_day</c>,
    /// <c>written_bytes_per_day</c> (stored bytes of the kept snapshots per day) and <c>state_growth_bytes_per_day</c>
    /// (change of the state's JSON size per day, oldest to newest; negative when it shrank); null when the kept history is
    /// shorter than <see cref="MinimumWindow"/> or holds fewer than <see cref="MinimumSaves"/> saves, and then
    /// <c>rates_note</c> says so.
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
        int Damaged,
        string? RatesNote,
        int Chunks,
        long ChunkBytes);

    private sealed record TotalsJson(int Systems, int Count, long Bytes, int Damaged);
}
