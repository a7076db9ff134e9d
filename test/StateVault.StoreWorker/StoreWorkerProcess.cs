using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace StateVault.StoreWorker;

/// <summary>Starts this program as a separate OS process, for tests of several processes sharing one store.</summary>
public sealed class StoreWorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly List<WorkerAck> _acks = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stdoutPump;

    private StoreWorkerProcess(Process process)
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
        _stdoutPump = Task.Run(PumpStdoutAsync);
    }

    /// <summary>The writer id.</summary>
    public required string Writer { get; init; }

    /// <summary>Starts a worker that saves <paramref name="count"/> documents to <paramref name="systems"/> (round robin) once <see cref="Go"/> is called, and waits until it has opened the store.</summary>
    public static async Task<StoreWorkerProcess> StartAsync(string storeUri, IReadOnlyList<string> systems, int count, string writer, CancellationToken cancellationToken)
    {
        var workerDll = typeof(StoreWorkerProcess).Assembly.Location;
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        var info = new ProcessStartInfo
        {
            FileName = !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { workerDll, "save", storeUri, string.Join(',', systems), count.ToString(CultureInfo.InvariantCulture), writer })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("The worker process did not start.");
        var worker = new StoreWorkerProcess(process) { Writer = writer };
        try
        {
            await worker._ready.Task.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return worker;
    }

    /// <summary>Lets the worker start saving.</summary>
    public void Go()
    {
        _process.StandardInput.WriteLine("go");
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for the worker to finish and returns every save it acknowledged.</summary>
    /// <exception cref="InvalidOperationException">The worker failed (its exit code and standard error are in the message).</exception>
    public async Task<IReadOnlyList<WorkerAck>> CompleteAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        await _stdoutPump.ConfigureAwait(false);
        if (_process.ExitCode != 0)
        {
            throw new InvalidOperationException($"Worker {Writer} exited with {_process.ExitCode} after {_acks.Count} acknowledged saves: {Stderr}");
        }

        return _acks;
    }

    /// <summary>What the worker wrote to standard error so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        try
        {
            await _stdoutPump.ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The pipe closed with the killed process.
        }

        _process.Dispose();
    }

    private async Task PumpStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line == "ready")
            {
                _ready.TrySetResult();
                continue;
            }

            var parts = line.Split(' ');
            if (parts is ["ack", var system, var sequence, var writer, var index])
            {
                _acks.Add(new WorkerAck(system, long.Parse(sequence, CultureInfo.InvariantCulture), writer, int.Parse(index, CultureInfo.InvariantCulture)));
            }
        }

        _ready.TrySetException(new InvalidOperationException($"Worker {Writer} ended before it was ready: {Stderr}"));
    }
}
