using System.Diagnostics;
using System.Globalization;
using StateVault.Storage;

using static StateVault.Benchmarks.BenchStats;

namespace StateVault.Benchmarks;

/// <summary>
/// `-- folders`: what the file store's folder views (FileSnapshotStoreOptions.WatchFolders) take off each operation, on
/// and off side by side in one run, interleaved. The store is not durable here: without fsync the disk's own variance
/// (a save's flushes moved 2× within minutes on the 2-core machine) does not swamp the CPU the views save; the views
/// change no flush.
/// </summary>
internal static class FolderViewsRunner
{
    private const int Rounds = 400;
    private const int Systems = 8;

    public static async Task<int> RunAsync(string[] args)
    {
        _ = args;
        var root = Path.Combine(Path.GetTempPath(), "sv-bench-folders-" + Guid.NewGuid().ToString("N"));
        try
        {
            var state = BenchState.OfSize(1024);
            var variants = new[] { ("views on", true), ("views off", false) }
                .Select(v => (Name: v.Item1, Vault: new SnapshotVault(
                    FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = Path.Combine(root, v.Item1.Replace(' ', '-')), Durable = false, WatchFolders = v.Item2 }),
                    ownsStore: true)))
                .ToList();
            var times = new Dictionary<string, List<double>>(StringComparer.Ordinal);
            var recording = false;
            void Add(string row, string variant, double ms)
            {
                if (recording)
                {
                    var key = row + "|" + variant;
                    (times.TryGetValue(key, out var list) ? list : times[key] = []).Add(ms);
                }
            }

            async Task RoundAsync()
            {
                foreach (var (name, vault) in variants)
                {
                    var clock = Stopwatch.StartNew();
                    await vault.SaveAsync("bench", state);
                    Add("save 1 KiB (vault, keep-last 5)", name, clock.Elapsed.TotalMilliseconds);

                    clock.Restart();
                    _ = await vault.LoadLatestAsync<BenchState>("bench");
                    Add("load-latest 1 KiB (vault)", name, clock.Elapsed.TotalMilliseconds);

                    clock.Restart();
                    await foreach (var item in vault.Store.ListAsync("bench", CancellationToken.None))
                    {
                        _ = item;
                    }

                    Add("store listing (keep-last 5 folder)", name, clock.Elapsed.TotalMilliseconds);

                    clock.Restart();
                    await Task.WhenAll(Enumerable.Range(0, Systems).Select(i => Task.Run(() => vault.SaveAsync($"system_{i}", state))));
                    Add($"{Systems} systems saving at once (vault)", name, clock.Elapsed.TotalMilliseconds);
                }
            }

            await SteadyState.WarmUpAsync(RoundAsync, callsPerPhase: 40);
            recording = true;
            for (var i = 0; i < Rounds; i++)
            {
                await RoundAsync();
            }

            var load = BenchStats.LoadAverage();
            Console.WriteLine($"File store folder views on and off — {Environment.ProcessorCount} cores, load average at end: {load}; not durable (no fsync); medians in µs of {Rounds} interleaved rounds");
            Console.WriteLine();
            Console.WriteLine("| operation | views on µs | views off µs | on / off |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var row in times.Keys.Select(k => k.Split('|')[0]).Distinct())
            {
                var on = Median(times[row + "|views on"]) * 1000;
                var off = Median(times[row + "|views off"]) * 1000;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row} | {on:F1} | {off:F1} | {on / off:F2}× |"));
            }

            foreach (var (_, vault) in variants)
            {
                await vault.DisposeAsync();
            }

            return 0;
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

}
