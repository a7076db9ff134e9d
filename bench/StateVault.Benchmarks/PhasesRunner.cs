using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Secrets;

namespace StateVault.Benchmarks;

/// <summary>`-- phases`: the CPU cost of each step of a save (median ms), to see where time goes.</summary>
internal static class PhasesRunner
{
    public static int Run()
    {
        var options = new SnapshotVaultOptions();
        var json = StateVault.Serialization.StateVaultJson.WithSensitiveMembersRemoved(options.JsonOptions);
        Console.WriteLine("| state | JSON bytes | serialize | scan | zstd-1 | zstd-3 | gzip | brotli | sha256 (raw) | scan w/o prefilter | zstd-1 2 threads | zstd-3 2 threads | zstd-1 bytes | zstd-3 bytes | serialize (pooled, as the vault) | whole save, no fsync |");
        Console.WriteLine("|------:|-----------:|----------:|-----:|-------:|-------:|-----:|-------:|-------------:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var size in new[] { 64 * 1024, 1024 * 1024, 16 * 1024 * 1024 })
        {
            var state = BenchState.OfSize(size);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(state, json);
            var n = size >= 16 * 1024 * 1024 ? 9 : 41;
            var serialize = Median(n, () => JsonSerializer.SerializeToUtf8Bytes(state, json));
            var scan = Median(n, () => SecretScanner.Scan(bytes));
            var zstd1 = Median(n, () => { using var c = new ZstdSharp.Compressor(1); c.Wrap(bytes); });
            var zstd1mt = Median(n, () => { using var c = new ZstdSharp.Compressor(1); c.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_nbWorkers, 2); c.Wrap(bytes); });
            var zstd3mt = Median(n, () => { using var c = new ZstdSharp.Compressor(3); c.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_nbWorkers, 2); c.Wrap(bytes); });
            int len1, len3;
            using (var c = new ZstdSharp.Compressor(1)) { len1 = c.Wrap(bytes).Length; }
            using (var c = new ZstdSharp.Compressor(3)) { len3 = c.Wrap(bytes).Length; }
            var scanAll = Median(n, () => SecretScanner.ScanEveryString(bytes));
            var folder = Path.Combine(Path.GetTempPath(), $"sv-phases-{Guid.NewGuid():N}");
            var store = StateVault.Storage.FileSnapshotStoreProvider.Create(new StateVault.Storage.FileSnapshotStoreOptions { RootPath = folder, Durable = false });
            var vault = new SnapshotVault(store);
            var pooled = Median(n, () =>
            {
                using var buffer = new StateVault.Serialization.PooledBufferWriter();
                using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = json.Encoder, SkipValidation = true });
                JsonSerializer.Serialize(writer, state, json.GetTypeInfo(typeof(BenchState)));
            });
            var nonDurableSave = Median(n, () => vault.SaveAsync("phases", state).GetAwaiter().GetResult());
            vault.DisposeAsync().AsTask().GetAwaiter().GetResult();
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Directory.Delete(folder, recursive: true);
            var zstd3 = Median(n, () => SnapshotCodecs.Encode(SnapshotCodecs.Zstd, bytes));
            var gzip = Median(n, () => SnapshotCodecs.Encode(SnapshotCodecs.Gzip, bytes));
            var brotli = Median(n, () => SnapshotCodecs.Encode(SnapshotCodecs.Brotli, bytes));
            var sha = Median(n, () => SnapshotEnvelope.Sha256Hex(bytes));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {size / 1024} KiB | {bytes.Length} | {serialize:F2} | {scan:F2} | {zstd1:F2} | {zstd3:F2} | {gzip:F2} | {brotli:F2} | {sha:F2} | {scanAll:F2} | {zstd1mt:F2} | {zstd3mt:F2} | {len1} | {len3} | {pooled:F2} | {nonDurableSave:F2} |"));
        }

        return 0;
    }

    private static double Median(int n, Action action)
    {
        action();
        var times = new List<double>(n);
        for (var i = 0; i < n; i++)
        {
            var started = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        times.Sort();
        return times[n / 2];
    }
}
