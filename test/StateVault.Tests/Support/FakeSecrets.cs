namespace StateVault.Tests.Support;

/// <summary>
/// Credential-shaped strings built at run time (no key literal sits in the source), one per format the scanner knows.
/// None of them is a real credential.
/// </summary>
internal static class FakeSecrets
{
    private const string Alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    public static string Chars(int length, string alphabet = Alnum, int seed = 7)
    {
        var random = new Random(seed);
        return string.Create(length, (random, alphabet), static (span, s) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = s.alphabet[s.random.Next(s.alphabet.Length)];
            }
        });
    }

    public static string OpenAiLegacy => "sk-" + Chars(48);

    public static string OpenAiProject => "sk-" + "proj-" + Chars(60, Alnum + "_-");

    public static string Anthropic => "sk-" + "ant-api03-" + Chars(80, Alnum + "_-") + "AA";

    public static string AwsAccessKeyId => "AKIA" + Chars(16, Upper);

    public static string GitHubClassic => "ghp" + "_" + Chars(36);

    public static string GitHubFineGrained => "github" + "_pat_" + Chars(22) + "_" + Chars(59, seed: 9);

    public static string SlackBot => "xoxb" + "-" + Chars(12, "0123456789") + "-" + Chars(13, "0123456789") + "-" + Chars(24);

    public static string Google => "AIza" + Chars(35, Alnum + "_-");

    public static string StripeLive => "sk" + "_live_" + Chars(24);

    public static string Jwt => "eyJ" + "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJ" + "zdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ" + "." + Chars(43, Alnum + "_-");

    public static string PemPrivateKey => "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow" + Chars(64) + "\n-----END RSA PRIVATE KEY-----";

    /// <summary>Each format with the kind the scanner reports for it.</summary>
    public static IEnumerable<(string Name, string Value, string Kind)> All =>
    [
        ("openai legacy", OpenAiLegacy, "openai-key"),
        ("openai project", OpenAiProject, "openai-key"),
        ("anthropic", Anthropic, "anthropic-key"),
        ("aws", AwsAccessKeyId, "aws-access-key-id"),
        ("github classic", GitHubClassic, "github-token"),
        ("github fine-grained", GitHubFineGrained, "github-token"),
        ("slack", SlackBot, "slack-token"),
        ("google", Google, "google-api-key"),
        ("stripe", StripeLive, "stripe-live-key"),
        ("jwt", Jwt, "jwt"),
        ("pem", PemPrivateKey, "private-key"),
    ];
}
