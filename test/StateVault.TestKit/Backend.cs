using Xunit;

namespace StateVault.TestKit;

/// <summary>
/// Skips a test whose backend (PostgreSQL, S3 server, Chromium…) is not available — with the reason — or fails it
/// when <c>STATEVAULT_REQUIRE_BACKENDS=1</c> (set by CI), so a missing server can never pass as green.
/// </summary>
public static class Backend
{
    /// <summary>The variable that turns skips into failures.</summary>
    public const string RequireVariable = "STATEVAULT_REQUIRE_BACKENDS";

    /// <summary>Whether missing backends must fail tests.</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) is "1" or "true";

    /// <summary>Skips (or, when required, fails) the current test.</summary>
    public static void Unavailable(string reason)
    {
        if (Required)
        {
            Assert.Fail($"{reason} ({RequireVariable} is set, so a missing backend is a failure)");
        }

        Assert.Skip(reason);
    }

    /// <summary>Reads an environment variable naming a backend, or skips/fails with a reason.</summary>
    public static string RequireEnvironment(string variable, string what)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            Unavailable($"{what} is not available: set {variable} (the README's test command does).");
        }

        return value!;
    }
}
