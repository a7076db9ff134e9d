using Microsoft.Extensions.Options;
using StateVault.Storage;

namespace StateVault.Hosting;

/// <summary>Validates <see cref="StateVaultHostingOptions"/> at startup: a store URI with a known scheme, consistent timings and engine settings.</summary>
internal sealed class StateVaultHostingOptionsValidator(IEnumerable<ISnapshotStoreProvider> providers) : IValidateOptions<StateVaultHostingOptions>
{
    public ValidateOptionsResult Validate(string? name, StateVaultHostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Store))
        {
            failures.Add("StateVault:Store is empty; set a store URI such as file:./data/persistent.");
        }
        else
        {
            try
            {
                var scheme = SnapshotStoreFactory.GetScheme(options.Store);
                var known = providers.SelectMany(p => p.Schemes).Append(FileSnapshotStoreProvider.Scheme).ToHashSet(StringComparer.OrdinalIgnoreCase);
                if (!known.Contains(scheme))
                {
                    failures.Add($"StateVault:Store uses '{scheme}:' but no store provider for it is registered. Known: {string.Join(", ", known.Order(StringComparer.Ordinal).Select(s => s + ":"))}.");
                }
            }
            catch (ArgumentException ex)
            {
                failures.Add($"StateVault:Store is not a store URI: {ex.Message}");
            }
        }

        Positive(failures, options.AutosaveDebounce, nameof(options.AutosaveDebounce));
        Positive(failures, options.AutosaveMaxInterval, nameof(options.AutosaveMaxInterval));
        Positive(failures, options.PendingRetryBaseDelay, nameof(options.PendingRetryBaseDelay));
        Positive(failures, options.PendingRetryMaxDelay, nameof(options.PendingRetryMaxDelay));
        Positive(failures, options.HealthProbeTimeout, nameof(options.HealthProbeTimeout));
        Positive(failures, options.DurableAckTimeout, nameof(options.DurableAckTimeout));
        if (options.RefreshInterval < TimeSpan.Zero)
        {
            failures.Add($"StateVault:RefreshInterval must not be negative (got {options.RefreshInterval}); use 00:00:00 to turn it off.");
        }

        if (!Enum.IsDefined(options.Durability))
        {
            failures.Add($"StateVault:Durability must be Durable or Deferred (got {options.Durability}).");
        }
        if (options.AutosaveMaxInterval < options.AutosaveDebounce)
        {
            failures.Add($"StateVault:AutosaveMaxInterval ({options.AutosaveMaxInterval}) must not be shorter than AutosaveDebounce ({options.AutosaveDebounce}).");
        }

        if (options.PendingRetryMaxDelay < options.PendingRetryBaseDelay)
        {
            failures.Add($"StateVault:PendingRetryMaxDelay ({options.PendingRetryMaxDelay}) must not be shorter than PendingRetryBaseDelay ({options.PendingRetryBaseDelay}).");
        }

        if (options.StoreRetryAttempts < 0)
        {
            failures.Add($"StateVault:StoreRetryAttempts must be 0 or more (got {options.StoreRetryAttempts}).");
        }

        if (options.StoreRetryDelay < TimeSpan.Zero)
        {
            failures.Add($"StateVault:StoreRetryDelay must not be negative (got {options.StoreRetryDelay}).");
        }

        try
        {
            options.ToVaultOptions();
        }
        catch (ArgumentException ex)
        {
            failures.Add($"StateVault: {ex.Message}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"StateVault:{name} must be a positive duration (got {value}).");
        }
    }
}
