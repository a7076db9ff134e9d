using Microsoft.Extensions.Options;
using StateVault.Storage;

namespace StateVault.Orleans;

/// <summary>Validates <see cref="StateVaultGrainStorageOptions"/> when the silo starts (a store URI with a known scheme, a valid prefix, valid engine settings).</summary>
internal sealed class StateVaultGrainStorageOptionsValidator(IEnumerable<ISnapshotStoreProvider> providers) : IValidateOptions<StateVaultGrainStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StateVaultGrainStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var where = $"StateVault grain storage '{name}'";
        if (string.IsNullOrWhiteSpace(options.Store))
        {
            failures.Add($"{where}: Store is empty; set a store URI such as file:./data/grains or postgresql://user@host/db.");
        }
        else
        {
            try
            {
                var scheme = SnapshotStoreFactory.GetScheme(options.Store);
                var known = providers.SelectMany(p => p.Schemes).Append(FileSnapshotStoreProvider.Scheme).ToHashSet(StringComparer.OrdinalIgnoreCase);
                if (!known.Contains(scheme))
                {
                    failures.Add($"{where}: Store uses '{scheme}:' but no store provider for it is registered (add its package and e.g. services.AddPostgreSqlSnapshotStoreProvider()). Known: {string.Join(", ", known.Order(StringComparer.Ordinal).Select(s => s + ":"))}.");
                }
            }
            catch (ArgumentException ex)
            {
                failures.Add($"{where}: Store is not a store URI: {ex.Message}");
            }
        }

        if (!SystemNameEncoder.IsValidPrefix(options.SystemPrefix))
        {
            failures.Add($"{where}: SystemPrefix must be 1-{SystemNameEncoder.MaxPrefixLength} characters from a-z, 0-9, '_', '-', starting with a letter or digit.");
        }

        if (options.Vault is null)
        {
            failures.Add($"{where}: Vault options are null.");
        }
        else
        {
            try
            {
                options.Vault.Validate();
            }
            catch (ArgumentException ex)
            {
                failures.Add($"{where}: {ex.Message}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
