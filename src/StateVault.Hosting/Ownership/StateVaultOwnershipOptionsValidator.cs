using Microsoft.Extensions.Options;

namespace StateVault.Hosting.Ownership;

/// <summary>Validates <see cref="StateVaultOwnershipOptions"/> at start-up.</summary>
internal sealed class StateVaultOwnershipOptionsValidator : IValidateOptions<StateVaultOwnershipOptions>
{
    public ValidateOptionsResult Validate(string? name, StateVaultOwnershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.LeaseDuration <= TimeSpan.Zero)
        {
            failures.Add($"StateVault:Ownership:LeaseDuration must be positive (got {options.LeaseDuration}).");
        }

        if (options.RenewInterval <= TimeSpan.Zero || options.RenewInterval >= options.LeaseDuration)
        {
            failures.Add($"StateVault:Ownership:RenewInterval ({options.RenewInterval}) must be positive and shorter than LeaseDuration ({options.LeaseDuration}).");
        }

        if (options.TakeoverDelay < TimeSpan.Zero)
        {
            failures.Add($"StateVault:Ownership:TakeoverDelay must not be negative (got {options.TakeoverDelay}).");
        }

        if (options.InstanceId is { } id && (id.Length is 0 or > 100 || id.Any(char.IsControl)))
        {
            failures.Add("StateVault:Ownership:InstanceId must be 1 to 100 printable characters.");
        }

        if (options.AdvertisedUrl is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            failures.Add($"StateVault:Ownership:AdvertisedUrl must be an absolute http(s) URL (got '{url}').");
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
