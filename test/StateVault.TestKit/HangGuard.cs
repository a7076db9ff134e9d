using System.Diagnostics;

namespace StateVault.TestKit;

/// <summary>
/// A guard against a hang in a long crash or failover test, not a timing assertion: its token is cancelled only when no step has
/// reported progress for <see cref="Window"/>, however long the whole test takes on a slow or shared machine. A test reports each
/// completed step (a kill, a failover round) with <see cref="Progress"/>, and when the guard <see cref="Fired"/> fails with
/// <see cref="Describe"/>, which names the last step reached, instead of an <see cref="OperationCanceledException"/> from
/// wherever the test happened to be.
/// </summary>
public sealed class HangGuard : IDisposable
{
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenSource _source;
    private readonly CancellationToken _outer;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string _lastStep = "none yet";
    private int _steps;
    private bool _disposed;

    /// <param name="window">How long the test may go without a step before it counts as hung.</param>
    /// <param name="outer">The test's own token (xUnit's), linked in.</param>
    /// <param name="time">The clock the window runs on; the system's unless a test of the guard itself fakes it.</param>
    public HangGuard(TimeSpan window, CancellationToken outer, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        Window = window;
        _outer = outer;
        _timer = new CancellationTokenSource(window, time ?? TimeProvider.System);
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer, _timer.Token);
    }

    /// <summary>The longest a test may go without reporting a step.</summary>
    public TimeSpan Window { get; }

    /// <summary>Cancelled when no step was reported for <see cref="Window"/>, or when the test itself is cancelled.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>The number of steps reported so far.</summary>
    public int Steps => Volatile.Read(ref _steps);

    /// <summary>Records a completed step and gives the test a fresh <see cref="Window"/> for the next one. Safe from several lanes.</summary>
    public void Progress(string step)
    {
        Volatile.Write(ref _lastStep, step);
        Interlocked.Increment(ref _steps);
        lock (_source)
        {
            if (!_disposed && !_timer.IsCancellationRequested)
            {
                _timer.CancelAfter(Window);
            }
        }
    }

    /// <summary>
    /// True when the guard, not the test's own token, cancelled <see cref="Token"/>: the filter for the test's
    /// <c>catch (OperationCanceledException) when (guard.Fired)</c>, which fails with <see cref="Describe"/>.
    /// </summary>
    public bool Fired => _timer.IsCancellationRequested && !_outer.IsCancellationRequested;

    /// <summary>What the guard saw: the window, the number of steps, the last one reached, and the time taken.</summary>
    public string Describe() =>
        $"hang guard: no progress for {Window.TotalSeconds:F0} s after {Steps} steps, the last '{Volatile.Read(ref _lastStep)}' " +
        $"({_clock.Elapsed.TotalSeconds:F0} s in all)";

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_source)
        {
            _disposed = true;
            _source.Dispose();
            _timer.Dispose();
        }
    }
}
