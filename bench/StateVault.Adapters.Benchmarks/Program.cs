using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using StateVault.Akka;
using StateVault.Adapters.Benchmarks;
using StateVault.Benchmarks.Shared;

// Adapters, not tests, in one run:
//  1. Akka: save and recover (load latest) of a 64 KiB and a 1 MiB snapshot through the StateVault snapshot store (file store,
//     and PostgreSQL when STATEVAULT_TEST_POSTGRES is set) vs Akka's local snapshot store (which does not fsync), as ratios.
//  2. Orleans: WriteStateAsync / ReadStateAsync of a grain state through StateVault grain storage vs the in-memory provider.
// The payload is the same plausible JSON state as the other benchmarks (bench/Shared/BenchInput), sent as a byte[] (Akka's
// byte-array serializer) and, for Orleans, as a string property of the grain state. Medians over --ops operations per cell.
//   bash -c 'source scripts/backends.sh; start_postgres; dotnet run -c Release --project bench/StateVault.Adapters.Benchmarks -- [--ops 40]; stop_backends'
var ops = (int)BenchInput.Arg(args, "--ops", 40);
var root = Path.Combine(Path.GetTempPath(), "sv-adapters-bench-" + Guid.NewGuid().ToString("N")[..12]);
var postgres = Environment.GetEnvironmentVariable("STATEVAULT_TEST_POSTGRES");
var pgUri = string.IsNullOrWhiteSpace(postgres) ? null : postgres + (postgres.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "schema=bench_adapters_" + Environment.ProcessId;
var rows = new List<string[]>();
var run = Stopwatch.StartNew();
try
{
    await AkkaAsync();
    await OrleansAsync();
}
finally
{
    if (Directory.Exists(root))
    {
        Directory.Delete(root, recursive: true);
    }
}

Console.WriteLine();
Console.WriteLine($"| framework | operation | size | store | median ms | ratio to baseline |");
Console.WriteLine("|---|---|---|---|---:|---:|");
foreach (var row in rows)
{
    Console.WriteLine("| " + string.Join(" | ", row) + " |");
}

Console.WriteLine($"({ops} operations per cell, {Environment.ProcessorCount} cores, {run.Elapsed.TotalSeconds:F0} s; PostgreSQL: {(pgUri is null ? "not set" : "loopback, fsync on")})");
return;

async Task AkkaAsync()
{
    var config = ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.persistence.snapshot-store.local.dir = "{{Path.Combine(root, "akka-local")}}"
        akka.persistence.snapshot-store.statevault.store = "file:{{Path.Combine(root, "akka-statevault")}}"
        akka.persistence.snapshot-store.statevault-pg {
          class = "StateVault.Akka.StateVaultSnapshotStore, StateVault.Akka"
          plugin-dispatcher = "akka.actor.default-dispatcher"
          store = "{{pgUri ?? "file:unused"}}"
        }
        """).WithFallback(StateVaultPersistence.DefaultConfiguration());
    using var system = ActorSystem.Create("bench", config);
    var persistence = Persistence.Instance.Apply(system);
    var stores = new List<(string Name, IActorRef Ref)>
    {
        ("Akka local (no fsync)", persistence.SnapshotStoreFor("akka.persistence.snapshot-store.local")),
        ("StateVault file", persistence.SnapshotStoreFor("akka.persistence.snapshot-store.statevault")),
    };
    if (pgUri is not null)
    {
        stores.Add(("StateVault PostgreSQL", persistence.SnapshotStoreFor("akka.persistence.snapshot-store.statevault-pg")));
    }

    foreach (var (label, bytes) in new[] { ("64 KiB", 64 * 1024), ("1 MiB", 1024 * 1024) })
    {
        var body = BenchInput.Body(bytes);
        var save = new Dictionary<string, List<double>>();
        var load = new Dictionary<string, List<double>>();
        var seq = 0L;
        // Interleaved: every store per round, so load from other processes spreads over all of them.
        for (var round = -2; round < ops; round++)
        {
            foreach (var (name, store) in stores)
            {
                var pid = $"bench-{bytes}";
                var started = Stopwatch.GetTimestamp();
                await store.Ask<SaveSnapshotSuccess>(new SaveSnapshot(new SnapshotMetadata(pid, ++seq, DateTime.UtcNow), body), TimeSpan.FromMinutes(1));
                var saved = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                started = Stopwatch.GetTimestamp();
                var result = await store.Ask<LoadSnapshotResult>(new LoadSnapshot(pid, SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromMinutes(1));
                var loaded = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (result.Snapshot?.Snapshot is not byte[] back || !back.AsSpan().SequenceEqual(body))
                {
                    throw new InvalidOperationException($"{name} did not give the {label} snapshot back");
                }

                if (round >= 0)
                {
                    Add(save, name, saved);
                    Add(load, name, loaded);
                }
            }
        }

        Report("Akka", "save", label, save, stores[0].Name);
        Report("Akka", "recover", label, load, stores[0].Name);
    }

    await system.Terminate();
}

async Task OrleansAsync()
{
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddPostgreSqlSnapshotStoreProvider();
    builder.UseOrleans(silo =>
    {
        silo.UseLocalhostClustering().AddMemoryGrainStorage("memory");
        silo.AddStateVaultGrainStorage("sv-file", o => o.Store = "file:" + Path.Combine(root, "orleans"));
        if (pgUri is not null)
        {
            silo.AddStateVaultGrainStorage("sv-pg", o => o.Store = pgUri);
        }
    });
    using var host = builder.Build();
    await host.StartAsync();
    var providers = new List<(string Name, IGrainStorage Storage)>
    {
        ("Orleans in-memory", host.Services.GetRequiredKeyedService<IGrainStorage>("memory")),
        ("StateVault file", host.Services.GetRequiredKeyedService<IGrainStorage>("sv-file")),
    };
    if (pgUri is not null)
    {
        providers.Add(("StateVault PostgreSQL", host.Services.GetRequiredKeyedService<IGrainStorage>("sv-pg")));
    }

    foreach (var (label, bytes) in new[] { ("1 KiB", 1024), ("64 KiB", 64 * 1024) })
    {
        var text = System.Text.Encoding.UTF8.GetString(BenchInput.Body(bytes));
        var write = new Dictionary<string, List<double>>();
        var read = new Dictionary<string, List<double>>();
        var grain = GrainId.Create("bench", "g" + bytes.ToString(CultureInfo.InvariantCulture));
        var states = providers.ToDictionary(p => p.Name, _ => new GrainState<BenchGrainState> { State = new BenchGrainState { Body = text } });
        for (var round = -2; round < ops; round++)
        {
            foreach (var (name, storage) in providers)
            {
                var state = states[name];
                state.State!.Version++;
                var started = Stopwatch.GetTimestamp();
                await storage.WriteStateAsync("state", grain, state);
                var written = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var back = new GrainState<BenchGrainState> { State = new BenchGrainState() };
                started = Stopwatch.GetTimestamp();
                await storage.ReadStateAsync("state", grain, back);
                var readMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (back.State!.Version != state.State.Version || back.State.Body != text)
                {
                    throw new InvalidOperationException($"{name} did not give the {label} state back");
                }

                if (round >= 0)
                {
                    Add(write, name, written);
                    Add(read, name, readMs);
                }
            }
        }

        Report("Orleans", "write", label, write, providers[0].Name);
        Report("Orleans", "read", label, read, providers[0].Name);
    }

    await host.StopAsync();
}

static void Add(Dictionary<string, List<double>> cells, string name, double ms)
{
    if (!cells.TryGetValue(name, out var list))
    {
        cells[name] = list = [];
    }

    list.Add(ms);
}

void Report(string framework, string operation, string size, Dictionary<string, List<double>> cells, string baseline)
{
    var baseMedian = Median(cells[baseline]);
    foreach (var (name, values) in cells)
    {
        var median = Median(values);
        rows.Add([framework, operation, size, name, median.ToString("F3", CultureInfo.InvariantCulture), (median / baseMedian).ToString("F1", CultureInfo.InvariantCulture) + "x"]);
    }
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
