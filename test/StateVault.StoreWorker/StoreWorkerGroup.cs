namespace StateVault.StoreWorker;

/// <summary>Several worker processes saving to one store at the same moment; disposing kills any still running.</summary>
public sealed class StoreWorkerGroup : IAsyncDisposable
{
    private readonly List<StoreWorkerProcess> _workers;

    private StoreWorkerGroup(List<StoreWorkerProcess> workers) => _workers = workers;

    /// <summary>The workers, with writer ids <c>w0</c>, <c>w1</c>, ….</summary>
    public IReadOnlyList<StoreWorkerProcess> Workers => _workers;

    /// <summary>
    /// Starts <paramref name="processes"/> workers at once (so they also open the store, and create its schema, at once)
    /// and waits until every one is ready.
    /// </summary>
    public static async Task<StoreWorkerGroup> StartAsync(string storeUri, IReadOnlyList<string> systems, int processes, int savesPerProcess, CancellationToken cancellationToken)
    {
        var starting = Enumerable.Range(0, processes)
            .Select(i => StoreWorkerProcess.StartAsync(storeUri, systems, savesPerProcess, $"w{i}", cancellationToken))
            .ToList();
        try
        {
            await Task.WhenAll(starting).ConfigureAwait(false);
        }
        catch
        {
            // Wait for every start to end, so no started process is left running behind a failure.
            foreach (var task in starting)
            {
                if (await Task.WhenAny(task).ConfigureAwait(false) == task && task.IsCompletedSuccessfully)
                {
                    await task.Result.DisposeAsync().ConfigureAwait(false);
                }
            }

            throw;
        }

        return new StoreWorkerGroup(starting.Select(t => t.Result).ToList());
    }

    /// <summary>Lets every worker start saving, then waits for all of them and returns every acknowledged save.</summary>
    public async Task<IReadOnlyList<WorkerAck>> RunAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (var worker in _workers)
        {
            worker.Go();
        }

        var results = await Task.WhenAll(_workers.Select(w => w.CompleteAsync(timeout, cancellationToken))).ConfigureAwait(false);
        return results.SelectMany(r => r).ToList();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }
    }
}
