using System.CommandLine;

namespace StateVault.Cli;

/// <summary>Binds a verb's implementation to its command, with one error policy for every verb.</summary>
internal static class CommandActions
{
    /// <summary>Sets <paramref name="command"/>'s action to <paramref name="run"/>, mapping exceptions to exit codes (<see cref="ErrorMapping"/>).</summary>
    public static Command WithAction(this Command command, Func<CliContext, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(run);
        command.SetAction((parseResult, cancellationToken) => RunAsync(parseResult, run, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parseResult, Func<CliContext, Task<int>> run, CancellationToken cancellationToken)
    {
        var console = CliConsole.System;
        try
        {
            var context = new CliContext(parseResult, console, cancellationToken);
            await using (context.ConfigureAwait(false))
            {
                return await run(context).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // The command line is the last place to turn any failure into an exit code and a line.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var (exitCode, message) = ErrorMapping.Map(ex);
            console.WriteError(message);
            return exitCode;
        }
    }
}
