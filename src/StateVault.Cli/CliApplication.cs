using System.CommandLine;
using System.CommandLine.Help;
using StateVault.Cli.Commands;

namespace StateVault.Cli;

/// <summary>Builds the <c>statevault</c> command tree and runs it.</summary>
internal static class CliApplication
{
    /// <summary>The command name, as installed by <c>dotnet tool install</c>.</summary>
    public const string Name = "statevault";

    public static Command CreateRootCommand()
    {
        // A named Command rather than RootCommand, whose name is the entry assembly's ("StateVault.Cli"): help shows "statevault".
        var root = new Command(Name, "statevault: inspect, save, verify, restore, prune and migrate StateVault snapshots. Exit codes: 0 ok, 1 failure, 2 invalid input, 3 damaged snapshots found, 4 not found, 5 concurrency conflict.")
        {
            new HelpOption(),
            new VersionOption(),
        };
        root.Options.Add(GlobalOptions.Store);
        root.Options.Add(GlobalOptions.Json);
        foreach (var command in CommandRegistry.CreateAll())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        // No "@file" response files: an argument such as a system name or path is never read as a file of more arguments.
        var parseResult = CreateRootCommand().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parseResult.Errors.Count > 0)
        {
            // Usage errors: one line and exit 2 (System.CommandLine's default prints help and returns 1).
            // An unknown verb also reports "no verb given"; the unknown word is the useful half.
            var errors = parseResult.UnmatchedTokens.Count > 0 && parseResult.CommandResult.Command == parseResult.RootCommandResult.Command
                ? parseResult.Errors.Where(e => e.Message.Contains(parseResult.UnmatchedTokens[0], StringComparison.Ordinal)).DefaultIfEmpty(parseResult.Errors[0])
                : parseResult.Errors;
            var problems = string.Join(" ", errors.Select(e => e.Message).Distinct(StringComparer.Ordinal));
            CliConsole.System.WriteError($"{problems} See 'statevault --help'.");
            return ExitCodes.InvalidInput;
        }

        // `serve --help` prints the server's own usage text (store URIs, logging, first key, probes, metrics): one text for
        // `statevault serve --help` and `StateVault.Server --help`.
        if (parseResult.CommandResult.Command.Name == ServeCommand.Name && parseResult.Action is HelpAction)
        {
            await CliConsole.System.OutWriter.WriteAsync(StateVault.Server.Hosting.ServerUsage.Text).ConfigureAwait(false);
            await CliConsole.System.OutWriter.FlushAsync().ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        // `serve` runs a host whose own console lifetime handles Ctrl+C and SIGTERM and saves every dirty manager before it
        // returns; System.CommandLine's handling would give up after 2 s and end the process in the middle of those saves.
        var invocation = parseResult.CommandResult.Command.Name == ServeCommand.Name
            ? new InvocationConfiguration { ProcessTerminationTimeout = null }
            : new InvocationConfiguration();
        return await parseResult.InvokeAsync(invocation).ConfigureAwait(false);
    }
}
