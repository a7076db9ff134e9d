using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace StateVault.S3;

/// <summary>Validates <see cref="S3SnapshotStoreOptions"/> (registered with <c>ValidateOnStart</c> by the DI extensions).</summary>
internal sealed partial class S3SnapshotStoreOptionsValidator : IValidateOptions<S3SnapshotStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, S3SnapshotStoreOptions options)
    {
        var failures = GetFailures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem (used where there is no DI).</summary>
    public static void ThrowIfInvalid(S3SnapshotStoreOptions options)
    {
        var failures = GetFailures(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid S3 store options: " + string.Join(" ", failures), nameof(options));
        }
    }

    public static List<string> GetFailures(S3SnapshotStoreOptions? options)
    {
        var failures = new List<string>();
        if (options is null)
        {
            failures.Add("Options are missing.");
            return failures;
        }

        if (string.IsNullOrWhiteSpace(options.BucketName))
        {
            failures.Add("BucketName is required.");
        }
        else if (!BucketPattern().IsMatch(options.BucketName) || options.BucketName.Contains("..", StringComparison.Ordinal))
        {
            failures.Add($"BucketName '{options.BucketName}' is not a valid bucket name (3-63 characters: a-z, 0-9, '.', '-').");
        }

        var prefix = options.NormalizedPrefix;
        if (prefix.Length > 512)
        {
            failures.Add("Prefix is longer than 512 characters.");
        }

        if (prefix.Split('/').Any(segment => segment is "" or "." or "..") && prefix.Length > 0)
        {
            failures.Add("Prefix must not contain empty, '.' or '..' segments.");
        }

        if (prefix.Any(c => char.IsControl(c) || c == '\\'))
        {
            failures.Add("Prefix must not contain control characters or '\\'.");
        }

        if (options.ServiceUrl is { } url)
        {
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add("ServiceUrl must be an absolute http:// or https:// URL.");
            }
            else if (!string.IsNullOrEmpty(url.UserInfo))
            {
                // Never echo the URL: its user information may be a secret.
                failures.Add("ServiceUrl must not contain credentials; use the AWS credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Region) || !RegionPattern().IsMatch(options.Region))
        {
            failures.Add("Region is required, e.g. us-east-1.");
        }

        if (!Enum.IsDefined(options.ConditionalWrites))
        {
            failures.Add($"ConditionalWrites {options.ConditionalWrites} is not defined.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            failures.Add("RequestTimeout must be positive.");
        }

        if (options.MaxErrorRetry is < 0 or > 10)
        {
            failures.Add("MaxErrorRetry must be between 0 and 10.");
        }

        return failures;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex BucketPattern();

    [GeneratedRegex("^[a-z0-9-]{2,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}
