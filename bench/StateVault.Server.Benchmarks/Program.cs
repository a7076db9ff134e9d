using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StateVault;
using StateVault.Managers.ApiKeys;
using StateVault.Benchmarks.Shared;
using StateVault.Server.Hosting;
using StateVault.Storage;

// Saves per second and p50/p99 latency of POST /api/systems/{s}/snapshots (1 KiB and 64 KiB bodies, N = 1, 8, 32 concurrent
// loopback clients, one system per client) against the same saves made in-process through SnapshotVault on the same kind
// of store (durable file store), as ratios from one run. Each cell is bounded in count and time.
//   dotnet run -c Release --project bench/StateVault.Server.Benchmarks -- [--seconds 3] [--max-saves 3000]
// With "managers" first: acknowledged manager operations instead (see ManagerOperationsBenchmark):
//   dotnet run -c Release --project bench/StateVault.Server.Benchmarks -- managers [--seconds 3] [--max-ops 20000]
// With "instances" first: failover time and throughput with 1 vs 3 server processes (see MultiInstanceBenchmark):
//   dotnet run -c Release --project bench/StateVault.Server.Benchmarks -- instances [--failovers 20] [--seconds 5] [--clients 8] [--store URI]
if (args.Length > 0 && args[0] == "instances")
{
    return await StateVault.Server.Benchmarks.MultiInstanceBenchmark.RunAsync(args);
}

if (args.Length > 0 && args[0] == "managers")
{
    return await StateVault.Server.Benchmarks.ManagerOperationsBenchmark.RunAsync(args);
}

var seconds = BenchInput.Arg(args, "--seconds", 3.0);
var maxSaves = (int)BenchInput.Arg(args, "--max-saves", 3000.0);
int[] clients = [1, 8, 32];
(string Name, int Bytes)[] sizes = [("1 KiB", 1024), ("64 KiB", 64 * 1024)];

var root = Path.Combine(Path.GetTempPath(), "sv-bench-" + Guid.NewGuid().ToString("N"));
var builder = StateVaultServer.CreateBuilder(["--urls", "http://127.0.0.1:0", "--store", "file:" + Path.Combine(root, "server")]);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(new ServerConsole(TextWriter.Null));
await using var app = StateVaultServer.Build(builder);
await app.StartAsync();
// The server's own key registry (the API key manager); the first-start admin key went to the silenced console.
var key = (await app.Services.GetRequiredService<IAccessKeyRegistry>().CreateAccessKeyAsync(AccessRole.Writer, "benchmark")).Key;
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(app.Urls.Single().TrimEnd('/') + "/") };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
await using var vault = new SnapshotVault(FileSnapshotStoreProvider.Create(Path.Combine(root, "inproc")), ownsStore: true);

Console.WriteLine($"StateVault server benchmark: {Environment.ProcessorCount} cores, durable file store, default retention (keep 5), per cell <= {seconds:0.#} s and <= {maxSaves} saves");
Console.WriteLine();
Console.WriteLine("| body | clients | HTTP saves/s | HTTP p50 ms | HTTP p99 ms | in-process saves/s | in-process p50 ms | in-process p99 ms | HTTP / in-process (saves/s) |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
try
{
    foreach (var (name, bytes) in sizes)
    {
        var body = BenchInput.Body(bytes);
        foreach (var n in clients)
        {
            var overHttp = await RunAsync(n, async (client, ct) =>
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync($"api/systems/bench_{bytes}_{client}/snapshots", content, ct);
                response.EnsureSuccessStatusCode();
            });
            var inProcess = await RunAsync(n, (client, ct) => vault.SaveJsonAsync($"bench_{bytes}_{client}", body, cancellationToken: ct));
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {name} | {n} | {overHttp.Rate:0} | {overHttp.P50:0.00} | {overHttp.P99:0.00} | {inProcess.Rate:0} | {inProcess.P50:0.00} | {inProcess.P99:0.00} | {overHttp.Rate / inProcess.Rate:0.00} |"));
        }
    }
}
finally
{
    await app.StopAsync();
    Directory.Delete(root, recursive: true);
}

return 0;

async Task<(double Rate, double P50, double P99)> RunAsync(int concurrency, Func<int, CancellationToken, Task> save)
{
    // Warm up every client's system (connection, first file, JIT) outside the measurement.
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(c => save(c, CancellationToken.None)));
    var latencies = new List<double>[concurrency];
    var started = 0;
    var deadline = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async c =>
    {
        latencies[c] = [];
        while (deadline.Elapsed.TotalSeconds < seconds && Interlocked.Increment(ref started) <= maxSaves)
        {
            var t = Stopwatch.GetTimestamp();
            await save(c, CancellationToken.None);
            latencies[c].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
    }));
    var elapsed = deadline.Elapsed.TotalSeconds;
    var all = latencies.SelectMany(l => l).Order().ToArray();
    return (all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
