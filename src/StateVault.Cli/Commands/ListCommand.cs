using System.CommandLine;
using Spectre.Console;
using StateVault.Cli.Output;

namespace StateVault.Cli.Commands;

/// <summary><c>statevault list &lt;system&gt;</c>: the snapshots of one system, newest first.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var system = CommonArguments.System();
        var command = new Command("list", "The snapshots of one system, newest first, each verified.") { system };
        return command.WithAction(context => RunAsync(context, system));
    }

    private static async Task<int> RunAsync(CliContext context, Argument<string> systemArgument)
    {
        var system = CommonArguments.ValidSystem(context.Get(systemArgument));
        var snapshots = await context.Vault.ListAsync(system, context.CancellationToken).ConfigureAwait(false);
        if (snapshots.Count == 0)
        {
            throw CliException.NotFound($"System '{system}' has no snapshots in this store.");
        }

        if (context.Json)
        {
            context.WriteJson(new ListJson(system, snapshots.Select(ListedSnapshotJson.From).ToList()));
            return ExitCodes.Ok;
        }

        var table = Display.Table("Seq", "Created (UTC)", "Size", "JSON size", "Codec", "Schema", "Tags", "Status");
        foreach (var s in snapshots)
        {
            var m = s.Metadata;
            var status = s.IsValid
                ? m!.Attributes.TryGetValue("restored_from", out var from) ? $"ok (restored from {from})" : "ok"
                : $"DAMAGED: {s.Error}";
            table.Row(
                Display.Number(s.Sequence),
                Display.Time(m?.CreatedUtc),
                Display.Bytes(s.StoredBytes),
                m is null ? "-" : Display.Bytes(m.RawLength),
                m?.Codec ?? "-",
                m is null ? "-" : Display.Number(m.SchemaVersion),
                m is null || m.Tags.Count == 0 ? "-" : string.Join(", ", m.Tags),
                status);
        }

        context.Console.Out.Write(table);
        return ExitCodes.Ok;
    }

    private sealed record ListJson(string System, IReadOnlyList<ListedSnapshotJson> Snapshots);

    /// <summary>A listed snapshot: metadata fields (null when damaged), stored bytes, validity and the failed check.</summary>
    private sealed record ListedSnapshotJson(
        long Sequence,
        bool Valid,
        string? Error,
        long StoredBytes,
        DateTimeOffset? CreatedUtc,
        int? SchemaVersion,
        string? StateType,
        string? Codec,
        long? RawLength,
        string? Sha256,
        string? Producer,
        IReadOnlyList<string> Tags,
        IReadOnlyDictionary<string, string> Attributes)
    {
        public static ListedSnapshotJson From(SnapshotListing listing)
        {
            var m = listing.Metadata;
            return new ListedSnapshotJson(
                listing.Sequence,
                listing.IsValid,
                listing.Error,
                listing.StoredBytes,
                m?.CreatedUtc,
                m?.SchemaVersion,
                m?.StateType,
                m?.Codec,
                m?.RawLength,
                m?.Sha256,
                m?.Producer,
                m?.Tags ?? [],
                m?.Attributes ?? new Dictionary<string, string>());
        }
    }
}
