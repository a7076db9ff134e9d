namespace StateVault.Chunking;

/// <summary>
/// An async reader/writer lock: any number of holders of the shared side, or one of the exclusive side. A waiting
/// exclusive holder stops new shared holders from entering (a turnstile), so a steady stream of saves cannot starve
/// the collection of unreferenced chunks.
/// </summary>
internal sealed class SharedExclusiveLock
{
    private readonly SemaphoreSlim _turnstile = new(1, 1);
    private readonly SemaphoreSlim _roomEmpty = new(1, 1);
    private readonly SemaphoreSlim _counter = new(1, 1);
    private int _shared;

    /// <summary>Enters the shared side; dispose the result to leave.</summary>
    public async Task<IDisposable> EnterSharedAsync(CancellationToken cancellationToken)
    {
        await _turnstile.WaitAsync(cancellationToken).ConfigureAwait(false);
        _turnstile.Release();
        await _counter.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_shared == 0)
            {
                await _roomEmpty.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            _shared++;
        }
        finally
        {
            _counter.Release();
        }

        return new Releaser(this, exclusive: false);
    }

    /// <summary>Enters the exclusive side; dispose the result to leave.</summary>
    public async Task<IDisposable> EnterExclusiveAsync(CancellationToken cancellationToken)
    {
        await _turnstile.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _roomEmpty.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _turnstile.Release();
            throw;
        }

        return new Releaser(this, exclusive: true);
    }

    private void ExitShared()
    {
        // Not cancellable: leaving must always complete.
        _counter.Wait();
        try
        {
            if (--_shared == 0)
            {
                _roomEmpty.Release();
            }
        }
        finally
        {
            _counter.Release();
        }
    }

    private void ExitExclusive()
    {
        _roomEmpty.Release();
        _turnstile.Release();
    }

    private sealed class Releaser(SharedExclusiveLock owner, bool exclusive) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                if (exclusive)
                {
                    owner.ExitExclusive();
                }
                else
                {
                    owner.ExitShared();
                }
            }
        }
    }
}
