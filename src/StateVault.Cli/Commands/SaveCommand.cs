using System.CommandLine;
using Spectre.Console;
using StateVault.Cli.Output;

namespace StateVault.Cli.Commands;

/// <summary>
/// <c>statevault save &lt;system&gt; [--file F] [--expect N] [--tag T]…</c>: saves a JSON document (F, or stdin)
/// as the newest snapshot and prints its metadata. Invalid input is rejected before anything is written.
/// </summary>
internal static class SaveCommand
{
    public static Command Create()
    {
        var system = CommonArguments.System();
        var file = new Option<string?>("--file", "-f")
        {
            Description = "The JSON document to save ('-' or none: standard input).",
            HelpName = "F",
        };
        var expect = new Option<long?>("--expect")
        {
            Description = "Save only if N is still the latest sequence (0 = no snapshot yet); otherwise exit code 5 and nothing is written.",
            HelpName = "N",
            CustomParser = NumberParsers.NullableLong("--expect", minimum: 0),
        };
        var tags = new Option<string[]>("--tag")
        {
            Description = "A tag to record on the snapshot (repeatable), e.g. for prune --keep-tag.",
            HelpName = "T",
        };
        tags.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string[]>()?.Any(string.IsNullOrWhiteSpace) == true)
            {
                result.AddError("--tag must not be empty.");
            }
        });
        var command = new Command("save", "Saves the JSON document in F (or stdin) as a new snapshot and prints its metadata.") { system, file, expect, tags };
        return command.WithAction(context => RunAsync(context, system, file, expect, tags));
    }

    private static async Task<int> RunAsync(CliContext context, Argument<string> systemArgument, Option<string?> fileOption, Option<long?> expectOption, Option<string[]> tagsOption)
    {
        var system = CommonArguments.ValidSystem(context.Get(systemArgument));
        var json = await ReadInputAsync(context, context.Get(fileOption)).ConfigureAwait(false);
        var options = new SaveOptions
        {
            ExpectedLatestSequence = context.Get(expectOption),
            Tags = context.Get(tagsOption) ?? [],
        };

        // The engine checks the JSON and scans for secrets before the store is written.
        var saved = await context.Vault.SaveJsonAsync(system, json, options, context.CancellationToken).ConfigureAwait(false);
        var (policy, removed) = await RetentionAfterSave.ApplyAsync(context, system).ConfigureAwait(false);
        if (context.Json)
        {
            context.WriteJson(new SaveJson(SnapshotJson.From(saved), policy, removed));
            return ExitCodes.Ok;
        }

        context.Console.Out.WriteLine($"Saved snapshot {saved.Sequence} of '{system}'.");
        context.Console.Out.Write(MetadataTable.Create(saved));
        context.Console.Out.WriteLine(RetentionAfterSave.Describe(policy, removed));
        return ExitCodes.Ok;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadInputAsync(CliContext context, string? file)
    {
        byte[] bytes;
        if (file is null or "-")
        {
            if (!context.Console.IsInputRedirected)
            {
                throw CliException.InvalidInput("No input: give --file F, or pipe the JSON document on stdin.");
            }

            var stdin = context.Console.OpenInput();
            await using (stdin.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                await stdin.CopyToAsync(buffer, context.CancellationToken).ConfigureAwait(false);
                bytes = buffer.ToArray();
            }
        }
        else
        {
            if (Directory.Exists(file))
            {
                throw CliException.InvalidInput($"Cannot read '{file}': it is a folder, not a file.");
            }

            try
            {
                bytes = await File.ReadAllBytesAsync(file, context.CancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                throw CliException.InvalidInput($"Cannot read '{file}': no such file.", ex);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                throw CliException.InvalidInput($"Cannot read '{file}': {ex.Message}", ex);
            }
        }

        // A UTF-8 byte order mark is not part of the JSON document.
        ReadOnlyMemory<byte> json = bytes;
        return json.Span.StartsWith("\uFEFF"u8) ? json[3..] : json;
    }

    private sealed record SaveJson(SnapshotJson Snapshot, string RetentionPolicy, IReadOnlyList<long> Pruned);
}
