using Microsoft.Extensions.Options;
using StateVault.Storage;

namespace StateVault.Mirror;

/// <summary>Validates <see cref="MirrorSnapshotStoreOptions"/> (registered with <c>ValidateOnStart</c> by the DI extensions).</summary>
internal sealed class MirrorSnapshotStoreOptionsValidator : IValidateOptions<MirrorSnapshotStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, MirrorSnapshotStoreOptions options)
    {
        var failures = GetFailures(options, requireUris: true);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public static void ThrowIfInvalid(MirrorSnapshotStoreOptions options, bool requireUris)
    {
        var failures = GetFailures(options, requireUris);
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid mirror options: " + string.Join(" ", failures), nameof(options));
        }
    }

    public static List<string> GetFailures(MirrorSnapshotStoreOptions? options, bool requireUris)
    {
        var failures = new List<string>();
        if (options is null)
        {
            failures.Add("Options are missing.");
            return failures;
        }

        if (requireUris)
        {
            CheckUri(options.Primary, "Primary", failures);
            CheckUri(options.Secondary, "Secondary", failures);
            if (!string.IsNullOrWhiteSpace(options.Primary) && string.Equals(options.Primary.Trim(), options.Secondary?.Trim(), StringComparison.Ordinal))
            {
                failures.Add("Primary and Secondary name the same store; a mirror needs two.");
            }
        }

        if (options.SecondaryRetention is null)
        {
            failures.Add("SecondaryRetention is required (RetentionPolicy.KeepAll keeps everything).");
        }
        else
        {
            try
            {
                options.SecondaryRetention.Validate();
            }
            catch (ArgumentException ex)
            {
                failures.Add("SecondaryRetention: " + ex.Message);
            }
        }

        if (options.CatchUpInterval <= TimeSpan.Zero)
        {
            failures.Add("CatchUpInterval must be positive.");
        }

        if (options.SecondaryVerifyInterval <= TimeSpan.Zero)
        {
            failures.Add("SecondaryVerifyInterval must be positive.");
        }

        if (options.SecondaryChunkGracePeriod < TimeSpan.Zero)
        {
            failures.Add("SecondaryChunkGracePeriod must not be negative.");
        }

        if (options.DrainTimeout < TimeSpan.Zero)
        {
            failures.Add("DrainTimeout must not be negative.");
        }

        return failures;
    }

    private static void CheckUri(string? uri, string name, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            failures.Add($"{name} store URI is required.");
            return;
        }

        string scheme;
        try
        {
            scheme = SnapshotStoreFactory.GetScheme(uri);
        }
        catch (ArgumentException)
        {
            failures.Add($"{name} is not a store URI (it needs a scheme such as file:, sqlite:, postgresql:, s3:).");
            return;
        }

        if (scheme == MirrorSnapshotStoreProvider.Scheme)
        {
            failures.Add($"{name} must not itself be a mirror.");
        }
    }
}
