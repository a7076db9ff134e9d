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
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _readyPrefix;
    private readonly Task _stdoutPump;
    private TaskCompletionSource _lineArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private StoreWorkerProcess(Process process, string readyPrefix)
    {
        _process = process;
        _readyPrefix = readyPrefix;
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
    public static Task<StoreWorkerProcess> StartAsync(string storeUri, IReadOnlyList<string> systems, int count, string writer, CancellationToken cancellationToken) =>
        StartAsync(["save", storeUri, string.Join(',', systems), count.ToString(CultureInfo.InvariantCulture), writer], writer, "ready", cancellationToken);

    /// <summary>
    /// Starts a worker that saves like <see cref="StartAsync(string, IReadOnlyList{string}, int, string, CancellationToken)"/>, but
    /// waits only briefly for another process's lock and prints <c>blocked</c> the first time it had to give up and retry.
    /// </summary>
    public static Task<StoreWorkerProcess> StartContendingAsync(string storeUri, IReadOnlyList<string> systems, int count, string writer, CancellationToken cancellationToken) =>
        StartAsync(["contend", storeUri, string.Join(',', systems), count.ToString(CultureInfo.InvariantCulture), writer], writer, "ready", cancellationToken);

    /// <summary>
    /// Starts a worker that begins one append of <paramref name="system"/> and stops inside it, holding the store's write lock,
    /// until <see cref="Go"/>; returns once it holds the lock (its <c>holding &lt;sequence&gt;</c> line is in <see cref="Lines"/>).
    /// </summary>
    public static Task<StoreWorkerProcess> StartHoldingAsync(string storeUri, string system, CancellationToken cancellationToken) =>
        StartAsync(["hold", storeUri, system], "holder", "holding", cancellationToken);

    private static async Task<StoreWorkerProcess> StartAsync(IReadOnlyList<string> arguments, string writer, string readyPrefix, CancellationToken cancellationToken)
    {
        var info = CreateStartInfo(arguments);
        var process = Process.Start(info) ?? throw new InvalidOperationException("The worker process did not start.");
        var worker = new StoreWorkerProcess(process, readyPrefix) { Writer = writer };
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

    /// <summary>
    /// Runs the worker with <paramref name="arguments"/> to its end in <paramref name="workingDirectory"/>, with the given
    /// environment variables set (or, for a <see langword="null"/> value, removed), and returns its exit code and output.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToEndAsync(
        IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var info = CreateStartInfo(arguments);
        info.WorkingDirectory = workingDirectory;
        foreach (var (name, value) in environment)
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

        using var process = Process.Start(info) ?? throw new InvalidOperationException("The worker process did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    private static ProcessStartInfo CreateStartInfo(IReadOnlyList<string> arguments)
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
        info.ArgumentList.Add(workerDll);
        foreach (var arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>Every line the worker printed so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The saves acknowledged so far.</summary>
    public IReadOnlyList<WorkerAck> Acks
    {
        get
        {
            lock (_lines)
            {
                return [.. _acks];
            }
        }
    }

    /// <summary>Waits until the worker has printed a line equal to <paramref name="line"/> (or it ends without printing one).</summary>
    /// <exception cref="InvalidOperationException">The worker ended without printing the line.</exception>
    public async Task WaitForLineAsync(string line, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task arrived;
            lock (_lines)
            {
                if (_lines.Contains(line))
                {
                    return;
                }

                arrived = _lineArrived.Task;
            }

            if (_stdoutPump.IsCompleted)
            {
                throw new InvalidOperationException($"Worker {Writer} ended without printing '{line}': {Stderr}");
            }

            await Task.WhenAny(arrived, _stdoutPump).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Lets the worker start saving (or, for a holding worker, finish its append).</summary>
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

        return Acks;
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
            TaskCompletionSource arrived;
            lock (_lines)
            {
                _lines.Add(line);
                if (line.Split(' ') is ["ack", var system, var sequence, var writer, var index])
                {
                    _acks.Add(new WorkerAck(system, long.Parse(sequence, CultureInfo.InvariantCulture), writer, int.Parse(index, CultureInfo.InvariantCulture)));
                }

                arrived = _lineArrived;
                _lineArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            arrived.TrySetResult();
            if (line.StartsWith(_readyPrefix, StringComparison.Ordinal))
            {
                _ready.TrySetResult();
            }
        }

        _ready.TrySetException(new InvalidOperationException($"Worker {Writer} ended before it was ready: {Stderr}"));
    }
}
