using System.Net;
using StateVault.Server.Tests.Support;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>What a request leaves in the log: by default no per-request line; with request logging on, no key from the URL.</summary>
public sealed class RequestLoggingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] UrlsWithKeys(string accessKey) =>
    [
        $"api/systems/{Envelopes.OpenAiKey}/snapshots",
        $"api/systems/ok_sys/snapshots?token={Envelopes.AwsKey}&page=2",
        $"api/systems/ok_sys/snapshots?auth=Bearer%20{Uri.EscapeDataString(Envelopes.OpenAiKey)}",
        $"api/systems/ok_sys/snapshots?key={Uri.EscapeDataString(accessKey)}",
        $"health?{Envelopes.GitHubToken}",
        $"nothing/{Uri.EscapeDataString(accessKey)}/here",
    ];

    private static async Task SendAllAsync(ServerHost sut)
    {
        using var admin = sut.Client(sut.AdminKey);
        using var anonymous = sut.Client();
        foreach (var url in UrlsWithKeys(sut.AdminKey))
        {
            (await admin.GetAsync(url, Ct)).Dispose();
            (await anonymous.GetAsync(url, Ct)).Dispose();
        }
    }

    private static void AssertNoKey(ServerHost sut)
    {
        var adminSecret = sut.AdminKey[(sut.AdminKey.IndexOf('_', "svk_".Length) + 1)..];
        var secrets = new[] { Envelopes.OpenAiKey, Envelopes.AwsKey, Envelopes.GitHubToken, sut.AdminKey, adminSecret, Uri.EscapeDataString(sut.AdminKey) };
        var leaking = sut.Logs.Lines.Where(l => secrets.Any(s => l.Contains(s, StringComparison.Ordinal)))
            .Select(l => string.Join(' ', l.Split(' ').Take(2))) // level and category only: the message holds the key
            .Distinct().ToList();
        Assert.True(leaking.Count == 0, "Log lines with a key from: " + string.Join(", ", leaking));
    }

    [Fact]
    public async Task DefaultLogLevels_RequestsWithKeysInTheUrl_LeaveNoRequestLineAndNoKey()
    {
        await using var sut = await ServerHost.StartAsync(cancellationToken: Ct);

        await SendAllAsync(sut);

        AssertNoKey(sut);
        Assert.DoesNotContain(sut.Logs.Lines, l => l.Contains("Request starting", StringComparison.Ordinal) || l.Contains("Request finished", StringComparison.Ordinal));
        Assert.DoesNotContain(sut.Logs.Lines, l => l.Contains(" Microsoft.AspNetCore.", StringComparison.Ordinal) && (l.StartsWith("Information", StringComparison.Ordinal) || l.StartsWith("Debug", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RequestLogOn_RequestsWithKeysInTheUrl_AreLoggedRedacted()
    {
        await using var sut = await ServerHost.StartAsync(
            settings: new Dictionary<string, string>
            {
                ["Logging:LogLevel:StateVault.Server.Requests"] = "Debug",
                // Even asked for, ASP.NET Core's own request lines (raw URL) stay off.
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
            },
            cancellationToken: Ct);

        await SendAllAsync(sut);

        AssertNoKey(sut);
        var requestLines = sut.Logs.Lines.Where(l => l.Contains(" StateVault.Server.Requests:", StringComparison.Ordinal)).ToList();
        Assert.Equal(UrlsWithKeys(sut.AdminKey).Length * 2, requestLines.Count);
        Assert.Contains(requestLines, l => l.Contains("/api/systems/[REDACTED]/snapshots", StringComparison.Ordinal));
        Assert.Contains(requestLines, l => l.Contains("token=[REDACTED]&page=2", StringComparison.Ordinal));
        Assert.Contains(requestLines, l => l.Contains("auth=[REDACTED]", StringComparison.Ordinal));
        Assert.Contains(requestLines, l => l.Contains("key=[REDACTED]", StringComparison.Ordinal));
        Assert.Contains(requestLines, l => l.Contains(" 401 ", StringComparison.Ordinal));
    }
}
