using System.Diagnostics;
using System.Globalization;

using static StateVault.Benchmarks.BenchStats;

namespace StateVault.Benchmarks;

/// <summary>
/// `-- coldsave`: a durable save of 1 KiB and 64 KiB, StateVault's file and SQLite stores next to the hand-rolled writer and
/// raw SQLite (the peers runner's own four peers), in three conditions, interleaved round by round:
/// <list type="bullet">
/// <item><description>hot: the saves follow one another, as in a tight loop;</description></item>
/// <item><description>after idle: 2 ms of sleep before each timed save, so the machine's cores are idle when it starts (a
/// service saves now and then, not in a loop);</description></item>
/// <item><description>caches evicted: 32 MiB of memory written before each timed save (what the peers runner's shuffled order
/// does by running seven other libraries in between).</description></item>
/// </list>
/// Only these four are created: the peers runner's LiteDB and Akka.NET actor system are not started beside them. The peers runner
/// shows one number per cell, from its shuffled order; this shows how much of a gap is the code's own cost
/// and how much is starting cold.
/// </summary>
internal static class ColdSaveRunner
{
    private static readonly TimeSpan s_idle = TimeSpan.FromMilliseconds(2);

    private static readonly string[] s_peers = ["StateVault file", "hand-rolled", "StateVault sqlite", "raw SQLite"];

    public static async Task<int> RunAsync(string[] args)
    {
        var roundsIndex = Array.IndexOf(args, "--rounds");
        var rounds = roundsIndex >= 0 && roundsIndex + 1 < args.Length ? int.Parse(args[roundsIndex + 1], CultureInfo.InvariantCulture) : 300;
        var root = Path.Combine(Path.GetTempPath(), "sv-bench-coldsave-" + Guid.NewGuid().ToString("N"));
        try
        {
            Console.WriteLine($"Durable save after idle or with cold caches, medians of {rounds} interleaved rounds in ms (× its baseline); {Environment.ProcessorCount} cores, load average at start: {BenchStats.LoadAverage()}");
            Console.WriteLine("| state | condition | StateVault file | hand-rolled | StateVault sqlite | raw SQLite |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|");
            foreach (var (label, bytes) in new[] { ("1 KiB", 1024), ("64 KiB", 64 * 1024) })
            {
                var state = BenchState.OfSize(bytes);
                var created = PeersRunner.CreateStorePeers(Path.Combine(root, bytes.ToString(CultureInfo.InvariantCulture)));
                try
                {
                    // In the table's column order.
                    var peers = s_peers.Select(name => created.Single(p => p.Name == name)).ToList();
                    await SteadyState.WarmUpAsync(
                        async () =>
                        {
                            foreach (var peer in peers)
                            {
                                await peer.SaveAsync(state);
                            }
                        },
                        callsPerPhase: 100);
                    foreach (var peer in peers)
                    {
                        await PeersRunner.SqliteSteadyStateAsync(peer, state);
                    }

                    var conditions = new (string Name, Action Before)[]
                    {
                        ("hot", static () => { }),
                        ("after 2 ms idle", static () => Thread.Sleep(s_idle)),
                        ("caches evicted", ColdLoadRunner.Evict),
                    };
                    var times = conditions.Select(_ => peers.Select(_ => new List<double>()).ToArray()).ToArray();
                    for (var round = 0; round < rounds; round++)
                    {
                        for (var c = 0; c < conditions.Length; c++)
                        {
                            for (var k = 0; k < peers.Count; k++)
                            {
                                // Rotated each round, so no peer always follows the same one.
                                var i = (k + round) % peers.Count;
                                conditions[c].Before();
                                var started = Stopwatch.GetTimestamp();
                                await peers[i].SaveAsync(state);
                                times[c][i].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                            }
                        }
                    }

                    for (var c = 0; c < conditions.Length; c++)
                    {
                        var m = times[c].Select(Median).ToArray();
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {conditions[c].Name} | {m[0]:F3} ({m[0] / m[1]:F2}×) | {m[1]:F3} | {m[2]:F3} ({m[2] / m[3]:F2}×) | {m[3]:F3} |"));
                    }
                }
                finally
                {
                    foreach (var peer in created)
                    {
                        await peer.DisposeAsync();
                    }
                }
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
