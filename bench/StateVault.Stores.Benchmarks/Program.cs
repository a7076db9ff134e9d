using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Npgsql;
using StateVault;
using StateVault.PostgreSql;
using StateVault.S3;
using StateVault.Sqlite;
using StateVault.Storage;
using StateVault.Stores.Benchmarks;
using StateVault.Benchmarks.Shared;

// Durable save and load-latest latency through SnapshotVault for 1 KiB, 64 KiB and 1 MiB states on the file, SQLite,
// PostgreSQL and S3 stores, plus saves from 8 concurrent writers (one system each), as ratios to the file store, all
// from one run. The loopback servers come from scripts/backends.sh (STATEVAULT_TEST_POSTGRES,
// STATEVAULT_TEST_S3_ENDPOINT / _BUCKET); a store whose server is missing is listed as not measured.
// Cells run interleaved (every store for one cell, then the next cell) so that load from other processes on the machine
// spreads over all stores rather than skewing one. Each cell is bounded in count and time.
//   dotnet run -c Release --project bench/StateVault.Stores.Benchmarks -- [--seconds 4] [--max-ops 60] [--writers 8] [--max-concurrent-saves 480]
var seconds = BenchInput.Arg(args, "--seconds", 4.0);
var maxOps = (int)BenchInput.Arg(args, "--max-ops", 60);
var writers = (int)BenchInput.Arg(args, "--writers", 8);
var maxConcurrentSaves = (int)BenchInput.Arg(args, "--max-concurrent-saves", 480);
(string Name, int Bytes)[] sizes = [("1 KiB", 1024), ("64 KiB", 64 * 1024), ("1 MiB", 1024 * 1024)];
const int ConcurrentBytes = 1024;

// The same state bytes for every store.
var bodies = sizes.Select(s => s.Bytes).Append(ConcurrentBytes).Distinct().ToDictionary(b => b, BenchInput.Body);
var run = Stopwatch.StartNew();
var runId = Guid.NewGuid().ToString("N")[..12];
var root = Path.Combine(Path.GetTempPath(), "sv-stores-bench-" + runId);
Directory.CreateDirectory(Path.Combine(root, "sqlite"));

var postgres = Environment.GetEnvironmentVariable("STATEVAULT_TEST_POSTGRES");
var pgSchema = "bench_" + runId;
var s3Endpoint = Environment.GetEnvironmentVariable("STATEVAULT_TEST_S3_ENDPOINT");
var s3Bucket = Environment.GetEnvironmentVariable("STATEVAULT_TEST_S3_BUCKET");
var s3Prefix = "bench/" + runId;
BenchStore[] stores =
[
    new("file", "file:" + Path.Combine(root, "file"), null),
    new("sqlite", "sqlite:" + Path.Combine(root, "sqlite", "statevault.db"), null),
    string.IsNullOrWhiteSpace(postgres)
        ? new("postgresql", null, "STATEVAULT_TEST_POSTGRES is not set")
        : new("postgresql", postgres + (postgres.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "schema=" + pgSchema, null),
    string.IsNullOrWhiteSpace(s3Endpoint) || string.IsNullOrWhiteSpace(s3Bucket)
        ? new("s3", null, "STATEVAULT_TEST_S3_ENDPOINT / STATEVAULT_TEST_S3_BUCKET is not set")
        : new("s3", $"s3://{s3Bucket}/{s3Prefix}?endpoint={Uri.EscapeDataString(s3Endpoint)}&region=us-east-1", null),
];

var factory = new SnapshotStoreFactory([new SqliteSnapshotStoreProvider(), new PostgreSqlSnapshotStoreProvider(), new S3SnapshotStoreProvider()]);
var results = new Dictionary<(string Store, string Cell), Measurement>();
var storedLengths = new Dictionary<int, (string Codec, long Stored)>();
try
{
    foreach (var store in stores.Where(s => s.NotMeasured is null))
    {
        // Default vault options: retention keep-last 5, identity codec below 64 KiB, zstd at or above.
        store.Vault = new SnapshotVault(factory.Open(store.Uri!), ownsStore: true);
        try
        {
            // Warm-up, not measured: schema creation, the S3 conditional-write probe, connection pools, JIT. Also checks
            // that every size comes back byte for byte.
            foreach (var (_, bytes) in sizes)
            {
                var saved = await store.Vault.SaveJsonAsync(LatencySystem(bytes), bodies[bytes]);
                storedLengths.TryAdd(bytes, (saved.Codec, saved.StoredLength));
                var loaded = await store.Vault.LoadLatestJsonAsync(LatencySystem(bytes)) ?? throw new InvalidOperationException("nothing loaded back");
                if (!loaded.Json.Span.SequenceEqual(bodies[bytes]))
                {
                    throw new InvalidOperationException($"the {bytes}-byte state did not come back byte for byte");
                }
            }

            for (var w = 0; w < writers; w++)
            {
                await store.Vault.SaveJsonAsync(WriterSystem(w), bodies[ConcurrentBytes]);
            }
        }
        catch (Exception ex) when (ex is StateVaultException or InvalidOperationException or IOException)
        {
            store.NotMeasured = "warm-up failed: " + ex.Message;
        }
    }

    var measured = stores.Where(s => s.Measured).ToList();
    foreach (var (name, bytes) in sizes)
    {
        foreach (var store in measured)
        {
            var vault = store.Vault!;
            results[(store.Name, "save " + name)] = await SequentialAsync(() => vault.SaveJsonAsync(LatencySystem(bytes), bodies[bytes]));
        }

        foreach (var store in measured)
        {
            var vault = store.Vault!;
            results[(store.Name, "load " + name)] = await SequentialAsync(() => vault.LoadLatestJsonAsync(LatencySystem(bytes)));
        }
    }

    foreach (var store in measured)
    {
        results[(store.Name, "writers")] = await ConcurrentAsync(store.Vault!);
    }
}
finally
{
    foreach (var store in stores)
    {
        if (store.Vault is not null)
        {
            await store.Vault.DisposeAsync();
        }
    }

    await CleanUpAsync();
}

PrintReport();
return 0;

void PrintReport()
{
    var inv = CultureInfo.InvariantCulture;
    Console.WriteLine($"StateVault store benchmark: {Environment.ProcessorCount} cores; through SnapshotVault with default options (retention keep-last 5, identity codec below 64 KiB, zstd at or above); durable stores (file: fsync of file and folder; sqlite: WAL, synchronous=FULL; postgresql and s3: as the loopback servers are configured).");
    Console.WriteLine(string.Create(inv, $"Latency cells: one system, sequential, <= {maxOps} operations and <= {seconds:0.#} s each. {writers} writers: one system each, 1 KiB state, <= {maxConcurrentSaves} saves and <= {seconds:0.#} s in all."));
    Console.WriteLine("State (the same JSON bytes on every store) → stored payload: " + string.Join("; ", sizes.Select(s => storedLengths.TryGetValue(s.Bytes, out var l)
        ? string.Create(inv, $"{s.Name} ({s.Bytes} B) → {l.Codec}, {l.Stored} B")
        : s.Name)) + ".");
    foreach (var store in stores.Where(s => !s.Measured))
    {
        Console.WriteLine($"{store.Name}: not measured ({store.NotMeasured}).");
    }

    Console.WriteLine();
    var others = stores.Skip(1).ToList();
    Console.WriteLine("| measurement | state | file | " + string.Join(" | ", others.Select(s => $"{s.Name} | × file")) + " |");
    Console.WriteLine("|---|---|---:|" + string.Concat(others.Select(_ => "---:|---:|")));
    foreach (var (name, _) in sizes)
    {
        LatencyRow("save, p50 / p99 ms", name, "save " + name);
    }

    foreach (var (name, _) in sizes)
    {
        LatencyRow("load latest, p50 / p99 ms", name, "load " + name);
    }

    LatencyRow($"{writers} writers: save, p50 / p99 ms", "1 KiB", "writers");
    Row($"{writers} writers: saves/s", "1 KiB", "writers", m => m.Rate.ToString("0", inv), (m, file) => m.Rate / file.Rate);
    Console.WriteLine();
    Console.WriteLine("× file: the store's p50 latency divided by the file store's (above 1 = slower); for saves/s, the store's throughput divided by the file store's (below 1 = slower).");
    Console.WriteLine(string.Create(inv, $"p99 of at most {maxOps} samples is the slowest sample (nearest rank)."));
    var cut = results.Where(r => r.Value.StoppedByTime).Select(r => string.Create(inv, $"{r.Key.Store} {r.Key.Cell} (n={r.Value.Count})")).ToList();
    Console.WriteLine(cut.Count == 0 ? "Every cell ran its full count." : "Cells stopped by the time limit: " + string.Join(", ", cut) + ".");
    Console.WriteLine(string.Create(inv, $"Whole run: {run.Elapsed.TotalSeconds:0} s."));

    void LatencyRow(string what, string state, string cell) =>
        Row(what, state, cell, m => string.Create(inv, $"{m.P50:0.00} / {m.P99:0.00}"), (m, file) => m.P50 / file.P50);

    void Row(string what, string state, string cell, Func<Measurement, string> show, Func<Measurement, Measurement, double> ratio)
    {
        var file = results.GetValueOrDefault(("file", cell));
        var line = new StringBuilder($"| {what} | {state} | {(file is null ? "not measured" : show(file))} |");
        foreach (var store in others)
        {
            var m = results.GetValueOrDefault((store.Name, cell));
            line.Append(m is null ? " not measured | - |" : $" {show(m)} | {(file is null ? "-" : ratio(m, file).ToString("0.00", inv))} |");
        }

        Console.WriteLine(line.ToString());
    }
}

async Task<Measurement> SequentialAsync(Func<Task> operation)
{
    var latencies = new List<double>(maxOps);
    var cell = Stopwatch.StartNew();
    while (latencies.Count < maxOps && cell.Elapsed.TotalSeconds < seconds)
    {
        var started = Stopwatch.GetTimestamp();
        await operation();
        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    return Measurement.From(latencies, cell.Elapsed.TotalSeconds, latencies.Count < maxOps);
}

async Task<Measurement> ConcurrentAsync(SnapshotVault vault)
{
    var latencies = new List<double>[writers];
    var started = 0;
    var cell = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
    {
        latencies[w] = [];
        while (cell.Elapsed.TotalSeconds < seconds && Interlocked.Increment(ref started) <= maxConcurrentSaves)
        {
            var t = Stopwatch.GetTimestamp();
            await vault.SaveJsonAsync(WriterSystem(w), bodies[ConcurrentBytes]);
            latencies[w].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
    })));
    var elapsed = cell.Elapsed.TotalSeconds;
    var all = latencies.SelectMany(l => l).ToList();
    return Measurement.From(all, elapsed, all.Count < maxConcurrentSaves);
}

async Task CleanUpAsync()
{
    try
    {
        Directory.Delete(root, recursive: true);
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"Could not delete {root}: {ex.Message}");
    }

    if (stores.Single(s => s.Name == "postgresql").Uri is { } pgUri)
    {
        try
        {
            await using var connection = new NpgsqlConnection(PostgreSqlSnapshotStoreProvider.ParseUri(pgUri).ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{pgSchema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException ex)
        {
            Console.Error.WriteLine($"Could not drop the benchmark schema {pgSchema}: {ex.Message}");
        }
    }

    if (stores.Single(s => s.Name == "s3").Uri is not null)
    {
        try
        {
            using var client = new AmazonS3Client(new AmazonS3Config
            {
                ServiceURL = s3Endpoint,
                ForcePathStyle = true,
                AuthenticationRegion = "us-east-1",
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            });

            // Deleted keys drop out of the listing, so listing from the start again pages through everything.
            for (var page = 0; page < 1000; page++)
            {
                var listed = await client.ListObjectsAsync(new ListObjectsRequest { BucketName = s3Bucket, Prefix = s3Prefix + "/" });
                if (listed.S3Objects is not { Count: > 0 } objects)
                {
                    break;
                }

                foreach (var item in objects)
                {
                    await client.DeleteObjectAsync(s3Bucket, item.Key);
                }
            }
        }
        catch (AmazonServiceException ex)
        {
            Console.Error.WriteLine($"Could not delete the benchmark objects under {s3Prefix}/: {ex.Message}");
        }
    }
}

static string LatencySystem(int bytes) => $"latency_{bytes}";

static string WriterSystem(int writer) => $"writer_{writer}";
