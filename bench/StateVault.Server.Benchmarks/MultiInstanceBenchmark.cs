using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using StateVault.Benchmarks.Shared;
using StateVault.Server.Tests.Support;

namespace StateVault.Server.Benchmarks;

/// <summary>
/// Server processes (<c>dotnet StateVault.Server.dll</c>) on one store with ownership by lease (1 s lease, 300 ms renewal):
/// failover time (SIGKILL of the owner → first acknowledged manager write through a surviving instance) p50/p99 over
/// <c>--failovers</c> (20), and acknowledged manager operations per second with 1 and with 3 instances (clients spread over
/// the instances; non-owners forward). The store is a temporary folder (OS file locks), or <c>--store URI</c> (PostgreSQL).
///   dotnet run -c Release --project bench/StateVault.Server.Benchmarks -- instances [--failovers 20] [--seconds 5] [--clients 8] [--store URI]
/// </summary>
internal static class MultiInstanceBenchmark
{

    public static async Task<int> RunAsync(string[] args)
    {
        var failovers = (int)BenchInput.Arg(args, "--failovers", 20);
        var seconds = BenchInput.Arg(args, "--seconds", 5);
        var clientCount = (int)BenchInput.Arg(args, "--clients", 8);
        var index = Array.IndexOf(args, "--store");
        var root = Path.Combine(Path.GetTempPath(), "sv-bench-mi-" + Guid.NewGuid().ToString("N"));
        string NewStore(string name) => index >= 0 && index + 1 < args.Length
            ? args[index + 1] + (args[index + 1].Contains('?', StringComparison.Ordinal) ? "&" : "?") + "schema=bench_" + name + "_" + Guid.NewGuid().ToString("N")[..8]
            : "file:" + Path.Combine(root, name);
        Console.WriteLine($"StateVault multi-instance benchmark: {Environment.ProcessorCount} cores, store {(index >= 0 ? "PostgreSQL" : "file (OS locks)")}, lease 1 s, renewal 300 ms");
        try
        {
            var one = await ThroughputAsync(NewStore("one"), 1, clientCount, seconds);
            var three = await ThroughputAsync(NewStore("three"), 3, clientCount, seconds);
            Console.WriteLine();
            Console.WriteLine($"| instances | clients | acknowledged manager ops/s | p50 ms | p99 ms |");
            Console.WriteLine("|---:|---:|---:|---:|---:|");
            Console.WriteLine($"| 1 | {clientCount} | {one.PerSecond:F0} | {one.P50:F1} | {one.P99:F1} |");
            Console.WriteLine($"| 3 (2 of 3 forwarded) | {clientCount} | {three.PerSecond:F0} | {three.P50:F1} | {three.P99:F1} |");

            var times = await FailoversAsync(NewStore("failover"), failovers);
            Array.Sort(times);
            Console.WriteLine();
            Console.WriteLine($"failover (SIGKILL of the owner -> first acknowledged write through a survivor), {times.Length} failovers: p50 {Percentile(times, 0.5):F0} ms, p99 {Percentile(times, 0.99):F0} ms, max {times[^1]:F0} ms");
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

    private static async Task<(double PerSecond, double P50, double P99)> ThroughputAsync(string store, int instances, int clients, double seconds)
    {
        var cluster = await Cluster.StartAsync(store, instances);
        try
        {
            var latencies = new List<double>[clients];
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
            {
                latencies[c] = [];
                var http = cluster.Clients[c % instances];
                for (var n = 0; clock.Elapsed.TotalSeconds < seconds; n++)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var response = await http.PutAsJsonAsync($"api/managers/core_management/config/c{c}", new { value = "v" + n.ToString(CultureInfo.InvariantCulture) });
                    response.EnsureSuccessStatusCode();
                    latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }));
            var all = latencies.SelectMany(l => l).Order().ToArray();
            return (all.Length / clock.Elapsed.TotalSeconds, Percentile(all, 0.5), Percentile(all, 0.99));
        }
        finally
        {
            cluster.Dispose();
        }
    }

    private static async Task<double[]> FailoversAsync(string store, int failovers)
    {
        var cluster = await Cluster.StartAsync(store, 3);
        try
        {
            var times = new List<double>();
            for (var round = 0; round < failovers; round++)
            {
                var owner = await cluster.OwnerAsync();
                var survivor = cluster.Clients[(owner + 1) % 3];
                cluster.Kill(owner);
                var killed = Stopwatch.StartNew();
                while (true)
                {
                    using var response = await survivor.PutAsJsonAsync($"api/managers/core_management/config/f{round}", new { value = "x" });
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }

                    await Task.Delay(10);
                }

                times.Add(killed.Elapsed.TotalMilliseconds);
                await cluster.RestartAsync(owner);
            }

            return [.. times];
        }
        finally
        {
            cluster.Dispose();
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private sealed class Cluster : IDisposable
    {
        private readonly string _store;
        private readonly Process?[] _processes;
        private int _generation;

        private Cluster(string store, string[] urls, string key)
        {
            _store = store;
            Urls = urls;
            _processes = new Process?[urls.Length];
            Clients = urls.Select(u =>
            {
                var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(u), Timeout = TimeSpan.FromSeconds(30) };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
                return client;
            }).ToArray();
        }

        public string[] Urls { get; }

        public HttpClient[] Clients { get; }

        public static async Task<Cluster> StartAsync(string store, int instances)
        {
            var urls = Enumerable.Range(0, instances).Select(_ => ServerProcess.FreeUrl()).ToArray();
            var (first, key) = await ServerProcess.StartFirstAsync(store, urls[0], "b0-0", CancellationToken.None);
            var cluster = new Cluster(store, urls, key);
            cluster._processes[0] = first;
            for (var i = 1; i < instances; i++)
            {
                cluster._processes[i] = ServerProcess.Start(store, urls[i], $"b{i}-0");
                await ServerProcess.WaitReadyAsync(cluster._processes[i]!, keyFile: null, CancellationToken.None);
            }

            return cluster;
        }

        public async Task<int> OwnerAsync()
        {
            while (true)
            {
                for (var i = 0; i < Clients.Length; i++)
                {
                    try
                    {
                        var managers = await Clients[i].GetFromJsonAsync<JsonElement>("api/managers");
                        var core = managers.EnumerateArray().Single(m => m.GetProperty("name").GetString() == "core_management");
                        if (core.TryGetProperty("owner", out var owner) && owner.ValueKind == JsonValueKind.Object && owner.GetProperty("self").GetBoolean())
                        {
                            return i;
                        }
                    }
                    catch (HttpRequestException)
                    {
                    }
                }

                await Task.Delay(50);
            }
        }

        public void Kill(int slot)
        {
            _processes[slot]!.Kill(entireProcessTree: false);
            _processes[slot]!.WaitForExit();
            _processes[slot]!.Dispose();
            _processes[slot] = null;
        }

        public async Task RestartAsync(int slot)
        {
            _processes[slot] = ServerProcess.Start(_store, Urls[slot], $"b{slot}-{++_generation}");
            await ServerProcess.WaitReadyAsync(_processes[slot]!, keyFile: null, CancellationToken.None);
        }

        public void Dispose()
        {
            foreach (var process in _processes.OfType<Process>())
            {
                ServerProcess.Stop(process);
            }

            foreach (var client in Clients)
            {
                client.Dispose();
            }
        }
    }
}
