using System.CommandLine;
using StateVault.Server.Hosting;

namespace StateVault.Cli.Commands;

/// <summary>
/// <c>statevault serve [--store URI] [--urls URL]</c>: runs the StateVault server (the eight managers, the HTTP API and the
/// dashboard) in this process until Ctrl+C or SIGTERM, which save every dirty manager before the process exits.
/// </summary>
internal static class ServeCommand
{
    /// <summary>The verb's name (<see cref="CliApplication"/> lets the server's host handle the stop signals for it).</summary>
    public const string Name = "serve";

    private static readonly Option<string> s_urls = new("--urls")
    {
        Description = $"The address(es) to listen on, separated by ';'. Default: {StateVaultServer.DefaultUrl} (loopback only).",
        HelpName = "URL",
    };

    public static Command Create() =>
        new Command(Name, "Run the StateVault server: the eight managers, the HTTP API and the dashboard, on the store of --store.")
        {
            s_urls,
        }.WithAction(RunAsync);

    private static async Task<int> RunAsync(CliContext context)
    {
        List<string> args = ["--store", context.StoreUri];
        if (context.ParseResult.GetValue(s_urls) is { Length: > 0 } urls)
        {
            args.AddRange(["--urls", urls]);
        }

        return await StateVaultServer.RunAsync([.. args], context.CancellationToken).ConfigureAwait(false) == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }
}
