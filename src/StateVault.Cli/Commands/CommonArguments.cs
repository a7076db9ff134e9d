using System.CommandLine;

namespace StateVault.Cli.Commands;

/// <summary>Arguments and checks shared by several verbs.</summary>
internal static class CommonArguments
{
    public static Argument<string> System(string description = "The system name (a-z, 0-9, '_', '.', '-'; at most 64 characters).") =>
        new("system") { Description = description };

    public static Argument<string?> OptionalSystem(string description) =>
        new("system") { Description = description, Arity = ArgumentArity.ZeroOrOne };

    public static Argument<long> Sequence(string name, string description)
    {
        return new Argument<long>(name) { Description = description, CustomParser = NumberParsers.Long(name, minimum: 1) };
    }

    /// <summary>Validates a system name before anything is opened or written (exit code 2 through <see cref="ErrorMapping"/>).</summary>
    public static string ValidSystem(string? name) => SystemName.Validate(name);

    /// <summary>Throws "not found" (exit code 4) when the store has never held a snapshot of <paramref name="system"/>.</summary>
    public static async Task RequireSystemAsync(CliContext context, string system)
    {
        if (await context.Vault.GetLatestSequenceAsync(system, context.CancellationToken).ConfigureAwait(false) == 0)
        {
            throw CliException.NotFound($"System '{system}' has no snapshots in this store.");
        }
    }
}
