using StateVault.Cli.Output;

namespace StateVault.Cli.Commands;

/// <summary>
/// Applies the configured retention policy after <c>save</c> and <c>restore</c>, as the engine does after every save,
/// but reports what it removed, and reports a failure as a warning: the snapshot itself is already durable.
/// </summary>
internal static class RetentionAfterSave
{
    public static async Task<(string Policy, IReadOnlyList<long> Removed)> ApplyAsync(CliContext context, string system)
    {
        var vault = context.Vault;
        var policy = PolicyText.Describe(vault.Options.RetentionFor(system));
        try
        {
            var result = await vault.PruneAsync(system, policy: null, dryRun: false, context.CancellationToken).ConfigureAwait(false);
            return (policy, result.Plans.SelectMany(p => p.Removed).Select(d => d.Sequence).Order().ToList());
        }
        catch (Exception ex) when (ex is StateVaultException or IOException)
        {
            context.Console.WriteWarning($"the snapshot was saved, but retention ({policy}) failed: {ex.Message}");
            return (policy, []);
        }
    }

    public static string Describe(string policy, IReadOnlyList<long> removed) =>
        removed.Count == 0
            ? $"Retention ({policy}) removed nothing."
            : $"Retention ({policy}) removed snapshot{(removed.Count == 1 ? string.Empty : "s")} {string.Join(", ", removed)}.";
}
