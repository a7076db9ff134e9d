using System.CommandLine;

namespace StateVault.Cli.Commands;

/// <summary>
/// Every verb of <c>statevault</c>, in help order. A verb is one file in this folder with a static
/// <c>Create()</c> that returns its <see cref="Command"/> (bound with <see cref="CommandActions.WithAction"/>);
/// adding a verb is adding its file and one line here.
/// </summary>
internal static class CommandRegistry
{
    public static IReadOnlyList<Command> CreateAll() =>
    [
        SystemsCommand.Create(),
        ListCommand.Create(),
        ShowCommand.Create(),
        SaveCommand.Create(),
        DiffCommand.Create(),
        VerifyCommand.Create(),
        RestoreCommand.Create(),
        PruneCommand.Create(),
        StatsCommand.Create(),
        MigrateCommand.Create(),
        ImportLegacyCommand.Create(),
        KeysCommand.Create(),
        ServeCommand.Create(),
    ];
}
