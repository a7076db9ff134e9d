using Microsoft.Extensions.Options;
using StateVault.Hosting;
using StateVault.Storage;

namespace StateVault.Managers.ApiKeys;

/// <summary>
/// Checks where the fingerprint secret of the API key manager comes from, at start-up: every instance on a shared store must
/// compute the same fingerprints, so the secret must be configured there; it is never generated into the working folder.
/// </summary>
internal sealed class ApiKeysOptionsValidator(IOptions<StateVaultHostingOptions> hosting) : IValidateOptions<ManagerOptions>
{
    /// <summary>The configuration key of the secret.</summary>
    public const string SecretKey = ManagerOptions.SectionName + ":ApiKeys:" + nameof(ApiKeysOptions.FingerprintSecret);

    /// <summary>The configuration key of the secret file.</summary>
    public const string SecretFileKey = ManagerOptions.SectionName + ":ApiKeys:" + nameof(ApiKeysOptions.FingerprintSecretFile);

    /// <summary>The minimum length of a configured secret.</summary>
    public const int MinimumSecretLength = 16;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Check(options.ApiKeys, hosting.Value.Store) is { } failure ? ValidateOptionsResult.Fail(failure) : ValidateOptionsResult.Success;
    }

    /// <summary>The reason <paramref name="options"/> cannot serve a store at <paramref name="storeUri"/>, or <see langword="null"/>.</summary>
    internal static string? Check(ApiKeysOptions options, string? storeUri)
    {
        if (!string.IsNullOrEmpty(options.FingerprintSecret))
        {
            return options.FingerprintSecret.Length < MinimumSecretLength
                ? $"{SecretKey} must have at least {MinimumSecretLength} characters."
                : null;
        }

        if (!string.IsNullOrEmpty(options.FingerprintSecretFile))
        {
            // A relative path would resolve against whatever folder the process was started in.
            return Path.IsPathFullyQualified(options.FingerprintSecretFile)
                ? null
                : $"{SecretFileKey} must be an absolute path; it is '{options.FingerprintSecretFile}'.";
        }

        var scheme = SnapshotStoreFactory.GetScheme(storeUri ?? SnapshotStoreFactory.DefaultUri);
        return scheme == FileSnapshotStoreProvider.Scheme
            ? null
            : $"The API key manager needs {SecretKey} (environment variable StateVault__Managers__ApiKeys__FingerprintSecret, at least {MinimumSecretLength} characters) "
                + $"or {SecretFileKey} (an absolute path) on a '{scheme}' store: every instance sharing the store must compute the same key fingerprints, "
                + "and the secret is never generated into the working folder or stored in a snapshot.";
    }
}
