using System.Text.RegularExpressions;

namespace StateVault.Managers.ApiKeys;

/// <summary>Known key formats per provider: the current ones and the original system's.</summary>
public static partial class ProviderKeyFormats
{
    /// <summary>The OpenAI provider name.</summary>
    public const string OpenAI = "openai";

    /// <summary>The Anthropic provider name.</summary>
    public const string Anthropic = "anthropic";

    /// <summary>The providers known.</summary>
    public static IReadOnlyList<string> Providers { get; } = [OpenAI, Anthropic];

    /// <summary>The name of the format <paramref name="key"/> matches for <paramref name="provider"/>, or <see langword="null"/>.</summary>
    public static string? Match(string provider, string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 512)
        {
            return null;
        }

        return provider switch
        {
            OpenAI when OpenAIProject().IsMatch(key) => "project",
            OpenAI when OpenAIServiceAccount().IsMatch(key) => "service_account",
            OpenAI when OpenAIAdmin().IsMatch(key) => "admin",
            OpenAI when OpenAILegacy().IsMatch(key) => "legacy",
            Anthropic when AnthropicApi().IsMatch(key) => "api",
            Anthropic when AnthropicAdmin().IsMatch(key) => "admin",
            Anthropic when AnthropicLegacy().IsMatch(key) => "legacy",
            _ => null,
        };
    }

    /// <summary>The provider name in canonical form, or throws for an unknown provider.</summary>
    /// <exception cref="ArgumentException">Unknown provider.</exception>
    public static string Canonical(string provider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        var name = provider.Trim().ToLowerInvariant();
        return Providers.Contains(name) ? name : throw new ArgumentException($"Unknown provider '{provider}'. Known: {string.Join(", ", Providers)}.", nameof(provider));
    }

    [GeneratedRegex(@"^sk-proj-[A-Za-z0-9_\-]{40,}$", RegexOptions.CultureInvariant)]
    private static partial Regex OpenAIProject();

    [GeneratedRegex(@"^sk-svcacct-[A-Za-z0-9_\-]{40,}$", RegexOptions.CultureInvariant)]
    private static partial Regex OpenAIServiceAccount();

    [GeneratedRegex(@"^sk-admin-[A-Za-z0-9_\-]{40,}$", RegexOptions.CultureInvariant)]
    private static partial Regex OpenAIAdmin();

    // The original system's check: sk- and 48 letters or digits.
    [GeneratedRegex(@"^sk-[A-Za-z0-9]{48}$", RegexOptions.CultureInvariant)]
    private static partial Regex OpenAILegacy();

    [GeneratedRegex(@"^sk-ant-api\d{2}-[A-Za-z0-9_\-]{80,}$", RegexOptions.CultureInvariant)]
    private static partial Regex AnthropicApi();

    [GeneratedRegex(@"^sk-ant-admin\d{2}-[A-Za-z0-9_\-]{80,}$", RegexOptions.CultureInvariant)]
    private static partial Regex AnthropicAdmin();

    // The original system's check: sk-ant- and at least 32 more characters.
    [GeneratedRegex(@"^sk-ant-[A-Za-z0-9_\-]{32,}$", RegexOptions.CultureInvariant)]
    private static partial Regex AnthropicLegacy();
}
