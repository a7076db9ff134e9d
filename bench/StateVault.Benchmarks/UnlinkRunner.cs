using System.Diagnostics;
using System.Globalization;
using StateVault.Storage;

namespace StateVault.Benchmarks;

/// <summary>
/// `-- unlink`: what deleting a pruned snapshot costs a save on this disk, the figure behind the file store's choice to
/// rename it to trash and unlink it in the background. Each round writes a snapshot durably (temp file, fsync, rename,
/// folder fsync, as the store does) and then deletes the one written five saves before, in two folders side by side,
/// interleaved: unlinked at once, or renamed to trash (the unlink then follows outside the timed part, as the store's
/// background does).
/// </summary>
internal static class UnlinkRunner
{
    private const int Rounds = 400;
    private const int Kept = 5;

    public static Task<int> RunAsync(string[] args)
    {
        _ = args;
        var root = Path.Combine(Path.GetTempPath(), "sv-bench-unlink-" + Guid.NewGuid().ToString("N"));
        try
        {
            var load = BenchStats.LoadAverage();
            Console.WriteLine($"Deleting the snapshot five saves back, right after a durable write; {Environment.ProcessorCount} cores, load average at start: {load}");
            Console.WriteLine("| snapshot | delete: unlink at once, ms | delete: rename to trash, ms | save + delete: unlink, ms | save + delete: trash, ms | (save + trash) / (save + unlink) |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            foreach (var (label, bytes) in new[] { ("1 KiB", 1024), ("64 KiB", 64 * 1024) })
            {
                var payload = new byte[bytes];
                Random.Shared.NextBytes(payload);
                var unlinkDir = Directory.CreateDirectory(Path.Combine(root, label.Replace(' ', '-'), "unlink")).FullName;
                var trashDir = Directory.CreateDirectory(Path.Combine(root, label.Replace(' ', '-'), "trash")).FullName;
                var times = new Dictionary<string, List<double>>(StringComparer.Ordinal);
                void Add(string key, double ms) => (times.TryGetValue(key, out var list) ? list : times[key] = []).Add(ms);

                for (var round = 0; round < Rounds + Kept + 20; round++)
                {
                    var record = round >= Kept + 20; // the first saves delete nothing; then a short warm-up
                    foreach (var trash in round % 2 == 0 ? new[] { false, true } : [true, false])
                    {
                        var dir = trash ? trashDir : unlinkDir;
                        var started = Stopwatch.GetTimestamp();
                        WriteDurably(dir, round, payload);
                        var deleting = Stopwatch.GetTimestamp();
                        var old = SnapshotPath(dir, round - Kept);
                        string? trashed = null;
                        if (round >= Kept)
                        {
                            if (trash)
                            {
                                trashed = Path.Combine(dir, $".trash-{round - Kept}");
                                File.Move(old, trashed);
                            }
                            else
                            {
                                File.Delete(old);
                            }
                        }

                        var ended = Stopwatch.GetTimestamp();
                        if (trashed is not null)
                        {
                            File.Delete(trashed);
                        }

                        if (record)
                        {
                            var name = trash ? "trash" : "unlink";
                            Add("delete " + name, Stopwatch.GetElapsedTime(deleting, ended).TotalMilliseconds);
                            Add("total " + name, Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds);
                        }
                    }
                }

                double Median(string key)
                {
                    var list = times[key];
                    list.Sort();
                    return list[list.Count / 2];
                }

                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {label} | {Median("delete unlink"):0.000} | {Median("delete trash"):0.000} | {Median("total unlink"):0.000} | {Median("total trash"):0.000} | {Median("total trash") / Median("total unlink"):0.00}× |"));
            }

            Console.WriteLine($"Medians of {Rounds} rounds each. With trash, the unlink itself still happens (in the store, on a background thread); a save no longer waits for it.");
            return Task.FromResult(0);
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string SnapshotPath(string dir, int round) => Path.Combine(dir, $"s-{round:D8}.svsnap");

    private static void WriteDurably(string dir, int round, byte[] payload)
    {
        var temp = Path.Combine(dir, ".tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            stream.Write(payload);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, SnapshotPath(dir, round), overwrite: false);
        NativeMethods.FsyncDirectory(dir);
    }
}
