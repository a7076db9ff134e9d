using System.Security.Cryptography;

namespace StateVault.Managers.Tests;

/// <summary>Provider keys in the real formats, random per test run (no key is ever written into the repository).</summary>
internal static class TestKeys
{
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string UrlSafe = Alphanumeric + "-_";

    /// <summary>A current OpenAI project key: <c>sk-proj-</c> and 156 URL-safe characters.</summary>
    public static readonly string OpenAIProject = "sk-proj-" + Random(UrlSafe, 156);

    /// <summary>An OpenAI service-account key.</summary>
    public static readonly string OpenAIServiceAccount = "sk-svcacct-" + Random(UrlSafe, 120);

    /// <summary>The original system's OpenAI format: <c>sk-</c> and 48 letters or digits (with the classic T3BlbkFJ marker).</summary>
    public static readonly string OpenAILegacy = "sk-" + Random(Alphanumeric, 20) + "T3BlbkFJ" + Random(Alphanumeric, 20);

    /// <summary>A current Anthropic key: <c>sk-ant-api03-</c>, 93 URL-safe characters and <c>AA</c>.</summary>
    public static readonly string AnthropicApi = "sk-ant-api03-" + Random(UrlSafe, 93) + "AA";

    /// <summary>An Anthropic admin key.</summary>
    public static readonly string AnthropicAdmin = "sk-ant-admin01-" + Random(UrlSafe, 93) + "AA";

    public static IReadOnlyList<string> All => [OpenAIProject, OpenAIServiceAccount, OpenAILegacy, AnthropicApi, AnthropicAdmin];

    public static string Random(string alphabet, int length) => RandomNumberGenerator.GetString(alphabet, length);
}
