using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StateVault.Benchmarks.Shared;
using StateVault.Diagnostics;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Core;
using StateVault.Server.Hosting;

namespace StateVault.Server.Benchmarks;

/// <summary>
/// Acknowledged (durable) manager operations per second and p50/p99 latency at 1, 8, 32 and 128 concurrent callers, over HTTP
/// (<c>PUT /api/managers/core_management/config/{key}</c>, answered 204 only once durable) and in-process
/// (<see cref="CoreManager.SetConfigAsync"/>), with the durable saves (fsync-bound appends) per operation that group commit costs.
/// The real server on the durable file store with its defaults; every operation goes to the one <c>core_management</c> system.
/// </summary>
internal static class ManagerOperationsBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = BenchInput.Arg(args, "--seconds", 3.0);
        var maxOps = (int)BenchInput.Arg(args, "--max-ops", 20000.0);
        int[] callers = [1, 8, 32, 128];

        var root = Path.Combine(Path.GetTempPath(), "sv-bench-managers-" + Guid.NewGuid().ToString("N"));
        var builder = StateVaultServer.CreateBuilder(["--urls", "http://127.0.0.1:0", "--store", "file:" + root]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(new ServerConsole(TextWriter.Null));
        await using var app = StateVaultServer.Build(builder);
        await app.StartAsync();
        var key = (await app.Services.GetRequiredService<IAccessKeyRegistry>().CreateAccessKeyAsync(AccessRole.Writer, "benchmark")).Key;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(app.Urls.Single().TrimEnd('/') + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var core = app.Services.GetRequiredService<CoreManager>();

        // Durable saves of core_management, counted from the engine's own meter (one save = one fsync'd append + directory fsync).
        long saves = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == StateVaultMetrics.MeterName && instrument.Name == "statevault.saves")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? system = null, result = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "system")
                {
                    system = tag.Value as string;
                }
                else if (tag.Key == "result")
                {
                    result = tag.Value as string;
                }
            }

            if (system == CoreManager.ManagerName && result == "success")
            {
                Interlocked.Add(ref saves, value);
            }
        });
        listener.Start();

        // What bounds the ratio: the CPU of one change in memory (secret scan of the whole state included) against one durable save.
        // Group commit amortizes the save over the callers waiting; the in-memory part of every operation stays per operation.
        for (var i = 0; i < 200; i++)
        {
            core.SetConfig($"warm{i % 16}", i.ToString(CultureInfo.InvariantCulture));
        }

        const int Changes = 2000;
        var cpu = Stopwatch.StartNew();
        for (var i = 0; i < Changes; i++)
        {
            core.SetConfig($"mem{i % 16}", i.ToString(CultureInfo.InvariantCulture));
        }

        var perChange = cpu.Elapsed.TotalMilliseconds / Changes;
        const int Saves = 20;
        var save = Stopwatch.StartNew();
        for (var i = 0; i < Saves; i++)
        {
            await core.SetConfigAsync("save", i.ToString(CultureInfo.InvariantCulture));
        }

        var perSave = save.Elapsed.TotalMilliseconds / Saves;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one change in memory (SetConfig): {perChange:0.000} ms; one acknowledged change alone (change + durable save): {perSave:0.00} ms"));

        Console.WriteLine($"StateVault acknowledged manager operations: {Environment.ProcessorCount} cores, durable file store, server defaults (Durability = Durable, keep 5), one system (core_management), per cell <= {seconds:0.#} s and <= {maxOps} operations");
        Console.WriteLine();
        Console.WriteLine("| callers | HTTP ops/s | HTTP p50 ms | HTTP p99 ms | HTTP saves/op | in-process ops/s | in-process p50 ms | in-process p99 ms | in-process saves/op |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var results = new Dictionary<int, (Cell Http, Cell InProcess)>();
        try
        {
            foreach (var n in callers)
            {
                var overHttp = await MeasureAsync(n, seconds, maxOps, () => Interlocked.Read(ref saves), async (caller, op) =>
                {
                    using var response = await http.PutAsJsonAsync($"api/managers/core_management/config/h{op % 16}", new { value = op.ToString(CultureInfo.InvariantCulture) });
                    response.EnsureSuccessStatusCode();
                });
                var inProcess = await MeasureAsync(n, seconds, maxOps, () => Interlocked.Read(ref saves), (caller, op) =>
                    core.SetConfigAsync($"p{op % 16}", op.ToString(CultureInfo.InvariantCulture)));
                results[n] = (overHttp, inProcess);
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {n} | {overHttp.Rate:0} | {overHttp.P50:0.00} | {overHttp.P99:0.00} | {overHttp.SavesPerOp:0.000} | {inProcess.Rate:0} | {inProcess.P50:0.00} | {inProcess.P99:0.00} | {inProcess.SavesPerOp:0.000} |"));
            }
        }
        finally
        {
            await app.StopAsync();
            Directory.Delete(root, recursive: true);
        }

        Console.WriteLine();
        foreach (var (name, pick) in new (string, Func<(Cell Http, Cell InProcess), Cell>)[] { ("HTTP", r => r.Http), ("in-process", r => r.InProcess) })
        {
            var speedup = pick(results[32]).Rate / pick(results[1]).Rate;
            var savesPerOp = pick(results[32]).SavesPerOp;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{name}: ops/s at 32 callers = {speedup:0.0} x the 1-caller figure (target >= 10) {(speedup >= 10 ? "MET" : "NOT MET")}; saves per operation at 32 callers = {savesPerOp:0.000} (target <= 0.2) {(savesPerOp <= 0.2 ? "MET" : "NOT MET")}"));
        }

        return 0;
    }

    private sealed record Cell(double Rate, double P50, double P99, double SavesPerOp);

    private static async Task<Cell> MeasureAsync(int concurrency, double seconds, int maxOps, Func<long> saves, Func<int, long, Task> operation)
    {
        // Warm up (connections, JIT) outside the measurement.
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(c => operation(c, 0)));
        var latencies = new List<double>[concurrency];
        long started = 0;
        var savesBefore = saves();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            long op;
            while (clock.Elapsed.TotalSeconds < seconds && (op = Interlocked.Increment(ref started)) <= maxOps)
            {
                var t = Stopwatch.GetTimestamp();
                await operation(c, op);
                latencies[c].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        var savesDuring = saves() - savesBefore;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Cell(all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99), all.Length == 0 ? double.NaN : (double)savesDuring / all.Length);
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
