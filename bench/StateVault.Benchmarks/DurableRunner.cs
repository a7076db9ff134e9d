using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StateVault.Storage;

namespace StateVault.Benchmarks;

/// <summary>
/// Durable save time of the file store through <see cref="SnapshotVault.SaveAsync{TState}"/> (default options: retention
/// keep-last 5, zstd from 64 KiB, secret scan) against the raw limit of this machine: the same bytes written to a temp file,
/// fsync, rename, directory fsync — nothing else. Runs are interleaved so machine noise hits both sides alike.
/// </summary>
/// <remarks>
/// Two limits are shown. "raw envelope": the exact bytes the vault stored (so the ratio is the engine's whole overhead:
/// serialization, scan, compression, hashing, locking, listing and retention). "raw JSON": the state's serialized JSON
/// uncompressed, the naive way to persist it (what the original system did, made durable).
/// </remarks>
internal static class DurableRunner
{
    private static readonly (string Label, int Bytes, int Iterations)[] s_sizes =
    [
        ("1 KiB", 1024, 300),
        ("64 KiB", 64 * 1024, 200),
        ("1 MiB", 1024 * 1024, 60),
        ("16 MiB", 16 * 1024 * 1024, 15),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var rootIndex = Array.IndexOf(args, "--root");
        var parent = rootIndex >= 0 && rootIndex + 1 < args.Length ? args[rootIndex + 1] : Path.GetTempPath();
        var scaleIndex = Array.IndexOf(args, "--scale");
        var scale = scaleIndex >= 0 && scaleIndex + 1 < args.Length ? double.Parse(args[scaleIndex + 1], CultureInfo.InvariantCulture) : 1.0;
        var root = Path.Combine(parent, $"sv-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine($"StateVault durable save vs raw limit — {Environment.ProcessorCount} cores, {RuntimeVersion()}, folder {parent}");
            Console.WriteLine($"load average at start: {BenchStats.LoadAverage()}");

            Console.WriteLine("times in ms; ratio = vault / raw (medians); target ≤ 1.30 at 64 KiB and above");
            Console.WriteLine();
            Console.WriteLine("| state  | JSON bytes | stored bytes | codec    |  n  | vault median | vault p99 | raw envelope median | raw p99 | ratio | raw JSON median | ratio vs raw JSON | store append | vault w/o prune |");
            Console.WriteLine("|--------|-----------:|-------------:|----------|----:|-------------:|----------:|--------------------:|--------:|------:|----------------:|------------------:|-------------:|----------------:|");
            foreach (var (label, bytes, iterations) in s_sizes)
            {
                var row = await MeasureAsync(root, label, bytes, Math.Max(5, (int)(iterations * scale)));
                Console.WriteLine(row);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<string> MeasureAsync(string root, string label, int targetBytes, int iterations)
    {
        var state = BenchState.OfSize(targetBytes);
        var vaultRoot = Path.Combine(root, "vault-" + targetBytes.ToString(CultureInfo.InvariantCulture));
        await using var store = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = vaultRoot, Durable = true });
        await using var vault = new SnapshotVault(store);
        var json = JsonSerializer.SerializeToUtf8Bytes(state, vault.JsonOptions);
        const string System = "bench";

        // Warm up (JIT up to the optimized tier, page cache, directory) and take the exact bytes the vault stores:
        // a long-running service saves again and again, so steady state is what counts.
        SnapshotMetadata? saved = null;
        var warmup = targetBytes >= 16 * 1024 * 1024 ? 3 : 40;
        for (var i = 0; i < warmup; i++)
        {
            saved = await vault.SaveAsync(System, state);
        }

        var envelope = await File.ReadAllBytesAsync(Path.Combine(vaultRoot, System, $"{System}-{saved!.Sequence:D19}.svsnap"));
        var rawEnvelopeDir = Directory.CreateDirectory(Path.Combine(root, $"raw-env-{targetBytes}")).FullName;
        var rawJsonDir = Directory.CreateDirectory(Path.Combine(root, $"raw-json-{targetBytes}")).FullName;
        RawDurableWrite(rawEnvelopeDir, "warm", envelope);
        RawDurableWrite(rawJsonDir, "warm", json);

        // Breakdown: the store alone (append of prebuilt envelope bytes) and the vault without retention.
        await using var storeOnly = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = Path.Combine(root, $"store-{targetBytes}"), Durable = true });
        await using var noRetentionStore = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = Path.Combine(root, $"noret-{targetBytes}"), Durable = true });
        await using var noRetention = new SnapshotVault(noRetentionStore, new SnapshotVaultOptions { PruneAfterSave = false });
        var (head, payload) = SplitEnvelope(envelope);
        await storeOnly.AppendAsync(System, null, _ => new EnvelopeBytes(head, payload), default);
        await noRetention.SaveAsync(System, state);

        var vaultTimes = new List<double>(iterations);
        var rawTimes = new List<double>(iterations);
        var rawJsonTimes = new List<double>(iterations);
        var storeTimes = new List<double>(iterations);
        var noRetentionTimes = new List<double>(iterations);
        for (var i = 0; i < iterations; i++)
        {
            // Rotate the order so neither side always runs right after the other's fsyncs.
            for (var step = 0; step < 5; step++)
            {
                switch ((i + step) % 5)
                {
                    case 3:
                        var storeStarted = Stopwatch.GetTimestamp();
                        await storeOnly.AppendAsync(System, null, _ => new EnvelopeBytes(head, payload), default);
                        storeTimes.Add(Stopwatch.GetElapsedTime(storeStarted).TotalMilliseconds);
                        break;
                    case 4:
                        var noRetentionStarted = Stopwatch.GetTimestamp();
                        await noRetention.SaveAsync(System, state);
                        noRetentionTimes.Add(Stopwatch.GetElapsedTime(noRetentionStarted).TotalMilliseconds);
                        break;
                    case 0:
                        var started = Stopwatch.GetTimestamp();
                        await vault.SaveAsync(System, state);
                        vaultTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        break;
                    case 1:
                        rawTimes.Add(RawDurableWrite(rawEnvelopeDir, i.ToString(CultureInfo.InvariantCulture), envelope));
                        break;
                    default:
                        rawJsonTimes.Add(RawDurableWrite(rawJsonDir, i.ToString(CultureInfo.InvariantCulture), json));
                        break;
                }
            }

            // Keep the other folders as small as the vault's (retention keeps five); not timed.
            Prune(rawEnvelopeDir);
            Prune(rawJsonDir);
            Prune(Path.Combine(root, $"store-{targetBytes}", System), "*.svsnap");
            Prune(Path.Combine(root, $"noret-{targetBytes}", System), "*.svsnap");
        }

        var vaultMedian = Percentile(vaultTimes, 0.5);
        var rawMedian = Percentile(rawTimes, 0.5);
        var rawJsonMedian = Percentile(rawJsonTimes, 0.5);
        return string.Create(CultureInfo.InvariantCulture,
            $"| {label,-6} | {json.Length,10} | {envelope.Length,12} | {saved.Codec,-8} | {iterations,3} | {vaultMedian,12:F2} | {Percentile(vaultTimes, 0.99),9:F2} | {rawMedian,19:F2} | {Percentile(rawTimes, 0.99),7:F2} | {vaultMedian / rawMedian,5:F2} | {rawJsonMedian,15:F2} | {vaultMedian / rawJsonMedian,17:F2} | {Percentile(storeTimes, 0.5),12:F2} | {Percentile(noRetentionTimes, 0.5),15:F2} |");
    }

    /// <summary>The raw limit: temp file, write, fsync, rename, directory fsync. Returns milliseconds.</summary>
    private static double RawDurableWrite(string dir, string name, byte[] bytes)
    {
        var started = Stopwatch.GetTimestamp();
        var temp = Path.Combine(dir, ".tmp-" + name);
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, Path.Combine(dir, name + ".snap"), overwrite: false);
        NativeMethods.FsyncDirectory(dir);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static (byte[] Head, byte[] Payload) SplitEnvelope(byte[] envelope)
    {
        var firstLine = Array.IndexOf(envelope, (byte)'\n');
        var secondLine = Array.IndexOf(envelope, (byte)'\n', firstLine + 1);
        return (envelope[..(secondLine + 1)], envelope[(secondLine + 1)..]);
    }

    private static void Prune(string dir, string pattern = "*.snap")
    {
        foreach (var file in new DirectoryInfo(dir).GetFiles(pattern).OrderBy(f => f.Name, StringComparer.Ordinal).SkipLast(5))
        {
            file.Delete();
        }
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    private static string RuntimeVersion() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
}
