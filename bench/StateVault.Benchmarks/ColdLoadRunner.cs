using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StateVault.Storage;

using static StateVault.Benchmarks.BenchStats;

namespace StateVault.Benchmarks;

/// <summary>
/// `-- coldload`: load-latest of a 1 KiB and a 64 KiB state with cold CPU caches, as a service meets it (a load is rare, and
/// whatever ran before has taken the caches), next to the hand-rolled read + deserialize. Each round saves on both sides,
/// then, before each timed load, writes to 32 MiB of memory (more than this machine's caches hold) so neither side finds its
/// code or data cached. The peers runner measures loads in a shuffled order, where how cold a load starts depends on who ran
/// just before; here every load starts equally cold, so the difference is the code and data each side needs.
/// </summary>
internal static class ColdLoadRunner
{
    private const int Rounds = 300;

    private static readonly byte[] s_evict = new byte[32 * 1024 * 1024];

    public static async Task<int> RunAsync(string[] args)
    {
        _ = args;
        var root = Path.Combine(Path.GetTempPath(), "sv-bench-coldload-" + Guid.NewGuid().ToString("N"));
        try
        {
            var load = BenchStats.LoadAverage();
            Console.WriteLine($"Load-latest with cold caches, medians of {Rounds} rounds; {Environment.ProcessorCount} cores, load average at start: {load}");
            Console.WriteLine("| state | vault LoadLatestAsync, ms | hand-rolled read + deserialize, ms | vault / hand-rolled |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var (label, bytes) in new[] { ("1 KiB", 1024), ("64 KiB", 64 * 1024) })
            {
                var state = BenchState.OfSize(bytes);
                var handDir = Directory.CreateDirectory(Path.Combine(root, label.Replace(' ', '-'), "hand")).FullName;
                var store = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = Path.Combine(root, label.Replace(' ', '-'), "vault"), Durable = true });
                await using var vault = new SnapshotVault(store, ownsStore: true);
                var vaultTimes = new List<double>();
                var handTimes = new List<double>();
                var recording = false;

                async Task RoundAsync()
                {
                    await vault.SaveAsync("bench", state);
                    HandRolledWriter.Save(handDir, state);
                    Evict();
                    var started = Stopwatch.GetTimestamp();
                    _ = await vault.LoadLatestAsync<BenchState>("bench") ?? throw new InvalidOperationException("the vault loaded nothing back");
                    var vaultMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    Evict();
                    started = Stopwatch.GetTimestamp();
                    _ = JsonSerializer.Deserialize<BenchState>(File.ReadAllBytes(Path.Combine(handDir, HandRolledWriter.FileName))) ?? throw new InvalidOperationException("the hand-rolled read gave nothing");
                    var handMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (recording)
                    {
                        vaultTimes.Add(vaultMs);
                        handTimes.Add(handMs);
                    }
                }

                await SteadyState.WarmUpAsync(RoundAsync, callsPerPhase: 40);
                recording = true;
                for (var round = 0; round < Rounds; round++)
                {
                    await RoundAsync();
                }

                var vaultMedian = Median(vaultTimes);
                var handMedian = Median(handTimes);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {vaultMedian:F3} | {handMedian:F3} | {vaultMedian / handMedian:F2}× |"));
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

    /// <summary>Writes one byte per cache line of a buffer larger than the caches: what was cached before is gone.</summary>
    internal static void Evict()
    {
        for (var i = 0; i < s_evict.Length; i += 64)
        {
            s_evict[i]++;
        }
    }

}
