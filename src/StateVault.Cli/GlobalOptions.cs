using System.CommandLine;
using StateVault.Storage;

namespace StateVault.Cli;

/// <summary>Options every verb accepts, before or after the verb.</summary>
internal static class GlobalOptions
{
    /// <summary>The environment variable that names the store when <c>--store</c> is not given.</summary>
    public const string StoreVariable = "STATEVAULT_STORE";

    public static Option<string> Store { get; } = new("--store")
    {
        Description = $"The store URI: file:PATH, sqlite:PATH, postgresql://…, s3://bucket/prefix, http://host:port. Default: ${StoreVariable}, else {SnapshotStoreFactory.DefaultUri}.",
        HelpName = "URI",
        Recursive = true,
    };

    public static Option<bool> Json { get; } = new("--json")
    {
        Description = "Print data as JSON (stable snake_case shapes, see the README) instead of tables.",
        Recursive = true,
    };

    /// <summary>The store URI in force: <c>--store</c>, else <c>STATEVAULT_STORE</c>, else the default.</summary>
    public static string ResolveStore(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var given = parseResult.GetValue(Store);
        if (!string.IsNullOrWhiteSpace(given))
        {
            return given;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(StoreVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? SnapshotStoreFactory.DefaultUri : fromEnvironment;
    }
}
