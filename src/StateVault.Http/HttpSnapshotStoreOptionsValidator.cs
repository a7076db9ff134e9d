using Microsoft.Extensions.Options;

namespace StateVault.Http;

/// <summary>Validates <see cref="HttpSnapshotStoreOptions"/> at start (<c>ValidateOnStart</c>).</summary>
public sealed class HttpSnapshotStoreOptionsValidator : IValidateOptions<HttpSnapshotStoreOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, HttpSnapshotStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.BaseAddress is { } address && (!address.IsAbsoluteUri || address.Scheme is not ("http" or "https")))
        {
            failures.Add("BaseAddress must be an absolute http:// or https:// address.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero && options.RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            failures.Add("RequestTimeout must be positive.");
        }

        if (options.MaxAppendAttempts < 1)
        {
            failures.Add("MaxAppendAttempts must be 1 or more.");
        }

        if (options.ApiKey is { } key && (key.Length == 0 || key.Any(char.IsWhiteSpace)))
        {
            failures.Add("ApiKey must not be empty or contain white space.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
