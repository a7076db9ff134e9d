using Microsoft.Extensions.Options;

namespace StateVault.Server.Hosting;

/// <summary>Validates <see cref="StateVaultServerOptions"/> at start.</summary>
internal sealed class StateVaultServerOptionsValidator : IValidateOptions<StateVaultServerOptions>
{
    public ValidateOptionsResult Validate(string? name, StateVaultServerOptions options)
    {
        var failures = new List<string>();
        if (options.MaxRequestBodyBytes < 1024)
        {
            failures.Add($"{StateVaultServerOptions.SectionName}:MaxRequestBodyBytes must be at least 1024.");
        }

        if (options.MaxEnvelopeBytes < options.MaxRequestBodyBytes)
        {
            failures.Add($"{StateVaultServerOptions.SectionName}:MaxEnvelopeBytes must be at least MaxRequestBodyBytes.");
        }

        if (options.MaxStateBytes < 1024)
        {
            failures.Add($"{StateVaultServerOptions.SectionName}:MaxStateBytes must be at least 1024.");
        }

        foreach (var proxy in options.ReverseProxy.KnownProxies)
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _))
            {
                failures.Add($"{StateVaultServerOptions.SectionName}:ReverseProxy:KnownProxies holds '{proxy}', which is not an IP address.");
            }
        }

        if (options.FailedAuthenticationLimit < 1)
        {
            failures.Add($"{StateVaultServerOptions.SectionName}:FailedAuthenticationLimit must be 1 or more.");
        }

        if (options.FailedAuthenticationWindow <= TimeSpan.Zero)
        {
            failures.Add($"{StateVaultServerOptions.SectionName}:FailedAuthenticationWindow must be positive.");
        }

        if (!string.IsNullOrEmpty(options.FirstAdminKeyFile) && !Path.IsPathFullyQualified(options.FirstAdminKeyFile))
        {
            failures.Add($"{StateVaultServerOptions.SectionName}:FirstAdminKeyFile must be an absolute path; it is '{options.FirstAdminKeyFile}'.");
        }

        if (options.Readiness.MaxPendingAge < TimeSpan.Zero)
        {
            failures.Add($"{StateVaultServerOptions.SectionName}:Readiness:MaxPendingAge must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
