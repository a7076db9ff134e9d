using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace StateVault.Tests.Crash;

/// <summary>Runs <c>dotnet StateVault.CrashChild.dll …</c> with its stdout read line by line.</summary>
internal sealed partial class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly StringBuilder _stderr = new();
    private readonly Task _pump;

    private ChildProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
        _pump = Task.Run(PumpAsync);
    }

    public static string ChildDll => Path.Combine(AppContext.BaseDirectory, "StateVault.CrashChild.dll");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static ChildProcess Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ChildDll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>The next line of stdout, or <see langword="null"/> at the end of the stream.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (await _lines.Reader.WaitToReadAsync(cancellationToken))
        {
            if (_lines.Reader.TryRead(out var line))
            {
                return line;
            }
        }

        return null;
    }

    /// <summary>Every line left on stdout until the process closed it (after it exited or was killed).</summary>
    public async Task<List<string>> ReadRemainingLinesAsync(CancellationToken cancellationToken)
    {
        var result = new List<string>();
        while (await ReadLineAsync(cancellationToken) is { } line)
        {
            result.Add(line);
        }

        return result;
    }

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>SIGKILL: no handler runs, no buffer is flushed, no finally block executes.</summary>
    /// <returns>Whether the process was still running when killed.</returns>
    public bool KillHard()
    {
        if (_process.HasExited)
        {
            return false;
        }

        _process.Kill(entireProcessTree: false);
        return true;
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Parses <c>ACK &lt;sequence&gt; &lt;sha256&gt;</c>; a torn or other line is not an acknowledgement.</summary>
    public static bool TryParseAck(string line, out long sequence, out string sha256)
    {
        var match = AckPattern().Match(line);
        sequence = match.Success ? long.Parse(match.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture) : 0;
        sha256 = match.Success ? match.Groups[2].Value : string.Empty;
        return match.Success;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _pump.Wait(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private async Task PumpAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                _lines.Writer.TryWrite(line);
            }
        }
        finally
        {
            _lines.Writer.TryComplete();
        }
    }

    [GeneratedRegex(@"^ACK ([0-9]{1,19}) ([0-9a-f]{64})$")]
    private static partial Regex AckPattern();
}
