using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Xunit;

namespace StateVault.Cli.Tests;

/// <summary>
/// Runs the built <c>statevault</c> tool (<c>dotnet StateVault.Cli.dll …</c>, copied next to the tests by the project
/// reference) as a separate process, in a controlled environment: a working folder of the test's own, no inherited
/// <c>STATEVAULT_*</c> variables, no colours.
/// </summary>
public sealed class StateVaultCli
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static readonly string s_toolPath = Path.Combine(AppContext.BaseDirectory, "StateVault.Cli.dll");
    private static readonly string s_dotnet = FindDotnet();

    private readonly string _workingDirectory;
    private readonly Dictionary<string, string?> _environment = new(StringComparer.Ordinal);

    public StateVaultCli(string workingDirectory)
    {
        _workingDirectory = workingDirectory;
    }

    /// <summary>Sets (or with <see langword="null"/>, removes) a variable for every later run.</summary>
    public StateVaultCli WithEnvironment(string name, string? value)
    {
        _environment[name] = value;
        return this;
    }

    /// <summary>Runs the tool with <paramref name="args"/>; stdin is empty and closed.</summary>
    public Task<CliResult> RunAsync(params string[] args) => RunAsync(args, stdin: null);

    /// <summary>Runs the tool with <paramref name="args"/>, writing <paramref name="stdin"/> (UTF-8) to its standard input.</summary>
    public async Task<CliResult> RunAsync(string[] args, string? stdin)
    {
        Assert.True(File.Exists(s_toolPath), $"The built tool is missing at {s_toolPath}.");
        var info = new ProcessStartInfo(s_dotnet)
        {
            WorkingDirectory = _workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(s_toolPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("STATEVAULT_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["NO_COLOR"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment.Remove("COLUMNS");
        foreach (var (name, value) in _environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("The tool did not start.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(s_timeout);
        try
        {
            var stdout = new MemoryStream();
            var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, timeout.Token);
            var readErr = process.StandardError.ReadToEndAsync(timeout.Token);
            if (stdin is not null)
            {
                await process.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(stdin), timeout.Token);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
            await readOut;
            return new CliResult(args, process.ExitCode, stdout.ToArray(), await readErr);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"statevault {string.Join(' ', args)} did not finish within {s_timeout.TotalSeconds} s.");
        }
    }

    private static string FindDotnet()
    {
        // Set by the dotnet CLI for the processes it starts (dotnet test); otherwise the dotnet on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet")))
        {
            return Path.Combine(root, "dotnet");
        }

        return "dotnet";
    }
}

/// <summary>What one run of the tool did.</summary>
public sealed record CliResult(IReadOnlyList<string> Args, int ExitCode, byte[] StdoutBytes, string Stderr)
{
    public string Stdout => Encoding.UTF8.GetString(StdoutBytes);

    /// <summary>The stderr lines, without empty ones.</summary>
    public IReadOnlyList<string> StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Parses stdout as JSON (fails the test with the output when it is not).</summary>
    public JsonElement Json()
    {
        try
        {
            using var document = JsonDocument.Parse(StdoutBytes);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"stdout of '{this}' is not JSON ({ex.Message}):\n{Stdout}");
        }
    }

    /// <summary>Asserts the exit code, showing the whole run when it differs.</summary>
    public CliResult ShouldExit(int expected)
    {
        Assert.True(ExitCode == expected, $"Expected exit code {expected}, got {ExitCode} from: {this}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}");
        return this;
    }

    /// <summary>Asserts exit code 2 (or another) with exactly one line on stderr and nothing on stdout.</summary>
    public CliResult ShouldFailWithOneLine(int expected)
    {
        ShouldExit(expected);
        Assert.True(StderrLines.Count == 1, $"Expected one stderr line from: {this}, got:\n{Stderr}");
        Assert.StartsWith("statevault: error: ", StderrLines[0], StringComparison.Ordinal);
        Assert.True(StdoutBytes.Length == 0, $"Expected no stdout from: {this}, got:\n{Stdout}");
        return this;
    }

    public override string ToString() => "statevault " + string.Join(' ', Args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
}
