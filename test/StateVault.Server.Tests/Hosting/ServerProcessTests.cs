using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Server.Tests.Hosting;

/// <summary>
/// The server's own entry point (<c>dotnet StateVault.Server.dll</c>) as an operator runs it: <c>--help</c> does nothing but
/// print, and a headless first start keeps the admin key out of standard output.
/// </summary>
public sealed partial class ServerProcessTests : IDisposable
{
    private static readonly string s_serverDll = Path.Combine(AppContext.BaseDirectory, "StateVault.Server.dll");
    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--store", "file:./elsewhere", "--help")]
    public async Task Main_Help_PrintsUsageExits0AndCreatesNothing(params string[] args)
    {
        Directory.CreateDirectory(_dir.Path);

        var (exitCode, stdout, _) = await RunToEndAsync(args);

        Assert.Equal(0, exitCode);
        foreach (var topic in new[] { "--store", "file:", "postgresql://", "--urls", "Logging__Console__FormatterName=json", "/metrics", "/health/live", "/health/ready", "statevault keys create" })
        {
            Assert.Contains(topic, stdout, StringComparison.Ordinal);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task Main_Version_PrintsTheVersionExits0AndCreatesNothing()
    {
        Directory.CreateDirectory(_dir.Path);

        var (exitCode, stdout, _) = await RunToEndAsync("--version");

        Assert.Equal(0, exitCode);
        Assert.Matches(VersionLine(), stdout.Trim());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public async Task FirstStart_RedirectedOutputAndJsonLogs_KeyOnlyInAnOwnerOnlyFileAndEveryLineIsJson()
    {
        Directory.CreateDirectory(_dir.Path);
        var lines = new ConcurrentQueue<string>();
        using var process = Start(lines, "--urls", "http://127.0.0.1:0", "--store", "file:./data/persistent");
        var keyFile = Path.Combine(_dir.Path, "data", ".statevault-admin-key");
        try
        {
            string? address = null;
            await Eventually.TrueAsync(
                () => File.Exists(keyFile) && (address = lines.Select(l => ListeningAddress().Match(l)).FirstOrDefault(m => m.Success)?.Value) is not null,
                $"the key file and the listening address; stdout so far: {string.Join(" | ", lines)}",
                timeout: TimeSpan.FromSeconds(60));
            var key = (await File.ReadAllTextAsync(keyFile, Ct)).Trim();

            using var client = new HttpClient { BaseAddress = new Uri(address!) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var whoami = await client.GetFromJsonAsync<JsonElement>("api/whoami", Ct);

            Assert.Equal("admin", whoami.GetProperty("role").GetString());
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            }

            Assert.StartsWith("svk_", key, StringComparison.Ordinal);
            Assert.Contains(lines, l => l.Contains(keyFile, StringComparison.Ordinal) || l.Contains(JsonEncodedText.Encode(keyFile).ToString(), StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains(key, StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains("svk_", StringComparison.Ordinal));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        Assert.NotEmpty(lines);
        foreach (var line in lines.Where(l => l.Length > 0))
        {
            using var parsed = JsonDocument.Parse(line); // throws on a line that is not JSON
            Assert.Equal(JsonValueKind.Object, parsed.RootElement.ValueKind);
        }
    }

    private Process Start(ConcurrentQueue<string> lines, params string[] args)
    {
        Assert.True(File.Exists(s_serverDll), $"{s_serverDll} is built next to the tests");
        var info = Info(args);
        info.Environment["Logging__Console__FormatterName"] = "json";
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunToEndAsync(params string[] args)
    {
        Assert.True(File.Exists(s_serverDll), $"{s_serverDll} is built next to the tests");
        using var process = Process.Start(Info(args)) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"'{string.Join(' ', args)}' did not exit within 30 s (it started the server); stdout: {await stdout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private ProcessStartInfo Info(string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(s_serverDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("STATEVAULT_", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        return info;
    }

    [GeneratedRegex(@"^StateVault\.Server \d+\.\d+\.\d+")]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"http://127\.0\.0\.1:[1-9][0-9]*")]
    private static partial Regex ListeningAddress();
}
