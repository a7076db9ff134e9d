using System.Diagnostics;
using Xunit;

namespace StateVault.Cli.Tests;

/// <summary><c>statevault serve --help</c> prints the server's own usage text and starts nothing.</summary>
public sealed class ServeHelpTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task ServeHelp_PrintsTheServersUsageAndCreatesNothing()
    {
        var sut = (await _workspace.Cli.RunAsync("serve", "--help")).ShouldExit(0);

        foreach (var topic in new[] { "--store", "--urls", "Logging__Console__FormatterName=json", "/metrics", "/health/ready", "statevault keys create" })
        {
            Assert.Contains(topic, sut.Stdout, StringComparison.Ordinal);
        }

        Assert.Equal(await ServerHelpAsync(), sut.Stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_workspace.Root));
    }

    /// <summary>What <c>dotnet StateVault.Server.dll --help</c> prints (the server is built next to the tool).</summary>
    private async Task<string> ServerHelpAsync()
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = _workspace.Root, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StateVault.Server.dll"));
        info.ArgumentList.Add("--help");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return output;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
