using System.Diagnostics;
using System.Globalization;
using StateVault.Envelope;
using StateVault.Storage;
using JsonSerializer = System.Text.Json.JsonSerializer;

using static StateVault.Benchmarks.BenchStats;

namespace StateVault.Benchmarks;

/// <summary>
/// `-- churn` (also the last part of `-- peers`): issue 13's churn rows. A 10 MiB state of records, 1 % of the records
/// changed per save, 20 saves, keep-last 5, the durable file store with default options (chunked above 1 MiB, 64 KiB
/// average chunks), against the hand-rolled durable writer writing the whole state each time. Churn is measured two ways:
/// the changed records clustered (one contiguous run) and scattered uniformly. Content-defined chunking only saves what
/// it can skip: 1 % of the records scattered over a 10 MiB state touches nearly every 64 KiB chunk, so that row shows
/// the honest limit. Plus load-latest of a chunked 16 MiB state against a hand-rolled read and deserialize.
/// </summary>
internal static class ChurnRunner
{
    private const int Saves = 20;

    public static async Task<int> RunAsync(string[] args)
    {
        _ = args;
        var root = Path.Combine(Path.GetTempPath(), $"sv-churn-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine($"Churn: 10 MiB state, 1 % of records changed per save, {Saves} saves, keep-last 5, durable file store (default options) vs hand-rolled full write; {Environment.ProcessorCount} cores, load average {BenchStats.LoadAverage()}");
            Console.WriteLine("| churn | bytes written per save (% of state, median of saves 2-20) | disk, keep-last 5: referenced chunks + envelopes (× one stored snapshot) | disk incl. chunks in grace (×) | save median ms: vault / hand-rolled (×) |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach (var clustered in new[] { true, false })
            {
                Console.WriteLine(await ChurnAsync(Path.Combine(root, clustered ? "clustered" : "scattered"), clustered));
            }

            Console.WriteLine();
            Console.WriteLine(await LoadChunkedAsync(Path.Combine(root, "load16")));
            Console.WriteLine();
            Console.WriteLine("Threshold: save median ms with 1 % clustered churn (saves 2-12), whole snapshot vs chunked (durable file store):");
            Console.WriteLine("| state | whole | chunked | chunked / whole |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var size in new[] { 256 * 1024, 1024 * 1024, 4 * 1024 * 1024 })
            {
                var whole = await ThresholdAsync(Path.Combine(root, $"whole-{size}"), size, chunked: false);
                var chunked = await ThresholdAsync(Path.Combine(root, $"chunked-{size}"), size, chunked: true);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {size / 1024} KiB | {whole:0.0} | {chunked:0.0} | {chunked / whole:0.00}× |"));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<string> ChurnAsync(string dir, bool clustered)
    {
        var state = BenchState.OfSize(10 * 1024 * 1024);
        var counting = new CountingStore(FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = Path.Combine(dir, "vault"), Durable = true }));
        await using var vault = new SnapshotVault(counting, ownsStore: true);
        var handDir = Path.Combine(dir, "hand");
        Directory.CreateDirectory(handDir);
        var random = new Random(7);
        var written = new List<double>();
        var vaultMs = new List<double>();
        var handMs = new List<double>();
        long rawLength = 0;
        for (var save = 0; save < Saves; save++)
        {
            Change(state, random, clustered);
            counting.Reset();
            var order = save % 2 == 0;
            if (order)
            {
                handMs.Add(HandRolledSave(handDir, state));
            }

            var started = Stopwatch.GetTimestamp();
            var saved = await vault.SaveAsync("churn", state);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!order)
            {
                handMs.Add(HandRolledSave(handDir, state));
            }

            rawLength = saved.RawLength;
            if (save > 0)
            {
                // The first save writes every chunk: it is the full write the later ones are compared against.
                written.Add(100.0 * counting.BytesWritten / saved.RawLength);
                vaultMs.Add(elapsed);
            }
        }

        // One stored snapshot: what the store keeps for one whole (unchunked) snapshot of this state on this store
        // (plain JSON on a local disk) — the state's length plus its envelope head.
        var oneSnapshot = rawLength + 512.0;
        var store = (ISnapshotStoreWithChunks)counting.Inner;
        long envelopes = 0;
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in store.ListAsync("churn", CancellationToken.None))
        {
            envelopes += item.Length;
            var (header, payload) = SnapshotEnvelope.Decode((await store.ReadAsync("churn", item.Sequence, CancellationToken.None))!);
            if (header.Codec == ChunkManifest.Codec)
            {
                referenced.UnionWith(ChunkManifest.Parse(payload.Span, long.MaxValue).Chunks.Select(c => c.Id));
            }
        }

        long referencedBytes = 0, allChunkBytes = 0;
        await foreach (var chunk in store.ListChunksAsync("churn", CancellationToken.None))
        {
            allChunkBytes += chunk.Length;
            referencedBytes += referenced.Contains(chunk.Id) ? chunk.Length : 0;
        }

        var vaultMedian = Median(vaultMs);
        var handMedian = Median(handMs);
        return string.Create(CultureInfo.InvariantCulture, $"| {(clustered ? "clustered (one contiguous run)" : "scattered uniformly")} | {Median(written):0.0} % | {(envelopes + referencedBytes) / oneSnapshot:0.00}× | {(envelopes + allChunkBytes) / oneSnapshot:0.00}× | {vaultMedian:0} / {handMedian:0} ({vaultMedian / handMedian:0.00}×) |");
    }

    private static async Task<string> LoadChunkedAsync(string dir)
    {
        var state = BenchState.OfSize(16 * 1024 * 1024);
        var store = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = Path.Combine(dir, "vault"), Durable = true });
        await using var vault = new SnapshotVault(store, ownsStore: true);
        var saved = await vault.SaveAsync("load", state);
        var handDir = Path.Combine(dir, "hand");
        Directory.CreateDirectory(handDir);
        HandRolledSave(handDir, state);
        var path = Path.Combine(handDir, HandRolledWriter.FileName);
        // Warm-up: JIT and the page cache, for both.
        _ = await vault.LoadLatestAsync<BenchState>("load");
        _ = JsonSerializer.Deserialize<BenchState>(File.ReadAllBytes(path));
        var vaultMs = new List<double>();
        var handMs = new List<double>();
        for (var round = 0; round < 7; round++)
        {
            var started = Stopwatch.GetTimestamp();
            var loaded = await vault.LoadLatestAsync<BenchState>("load");
            vaultMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            started = Stopwatch.GetTimestamp();
            var hand = JsonSerializer.Deserialize<BenchState>(File.ReadAllBytes(path));
            handMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (loaded is null || hand is null)
            {
                throw new InvalidOperationException("nothing loaded");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"Load-latest of a chunked 16 MiB state (codec {saved.Codec}): vault {Median(vaultMs):0} ms, hand-rolled read + deserialize {Median(handMs):0} ms ({Median(vaultMs) / Median(handMs):0.00}×), medians of 7 after a warm-up.");
    }

    /// <summary>Median save time of a state of <paramref name="bytes"/> with 1 % clustered churn, chunked or whole.</summary>
    private static async Task<double> ThresholdAsync(string dir, int bytes, bool chunked)
    {
        var state = BenchState.OfSize(bytes);
        var options = new SnapshotVaultOptions();
        options.Chunking.Enabled = chunked;
        options.Chunking.Threshold = 64 * 1024;
        var store = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = dir, Durable = true });
        await using var vault = new SnapshotVault(store, options, ownsStore: true);
        var random = new Random(11);
        var times = new List<double>();
        for (var save = 0; save < 12; save++)
        {
            Change(state, random, clustered: true);
            var started = Stopwatch.GetTimestamp();
            await vault.SaveAsync("threshold", state);
            if (save > 0)
            {
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        return Median(times);
    }

    /// <summary>Changes 1 % of the entries: one contiguous run, or entries picked uniformly.</summary>
    private static void Change(BenchState state, Random random, bool clustered)
    {
        var count = state.Entries.Count / 100;
        var start = random.Next(state.Entries.Count - count);
        for (var i = 0; i < count; i++)
        {
            var index = clustered ? start + i : random.Next(state.Entries.Count);
            var entry = state.Entries[index];
            state.Entries[index] = entry with { Load = Math.Round(random.NextDouble() * 100, 3), Status = entry.Status == "busy" ? "idle" : "busy" };
        }
    }

    private static double HandRolledSave(string dir, BenchState state)
    {
        var started = Stopwatch.GetTimestamp();
        HandRolledWriter.Save(dir, state);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }


    /// <summary>Counts the bytes a save writes: envelopes appended and chunks put.</summary>
    private sealed class CountingStore(ISnapshotStore inner) : ISnapshotStoreWithChunks, ISnapshotStoreWithPruningAppend
    {
        private long _bytes;

        public ISnapshotStore Inner => inner;

        public long BytesWritten => Interlocked.Read(ref _bytes);

        public string Kind => inner.Kind;

        public SnapshotStoreCapabilities Capabilities => inner.Capabilities;

        public void Reset() => Interlocked.Exchange(ref _bytes, 0);

        public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken) =>
            inner.AppendAsync(system, expectedLatestSequence, Counted(createEnvelope), cancellationToken);

        public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, IReadOnlyCollection<long> deleteOlder, CancellationToken cancellationToken) =>
            ((ISnapshotStoreWithPruningAppend)inner).AppendAsync(system, expectedLatestSequence, Counted(createEnvelope), deleteOlder, cancellationToken);

        public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, Func<CancellationToken, Task<IReadOnlyCollection<long>>> deleteOlder, CancellationToken cancellationToken) =>
            ((ISnapshotStoreWithPruningAppend)inner).AppendAsync(system, expectedLatestSequence, Counted(createEnvelope), deleteOlder, cancellationToken);

        public Task PutChunkAsync(string system, string chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _bytes, data.Length);
            return ((ISnapshotStoreWithChunks)inner).PutChunkAsync(system, chunkId, data, cancellationToken);
        }

        public Task<StoredChunk?> ReadChunkAsync(string system, string chunkId, CancellationToken cancellationToken) => ((ISnapshotStoreWithChunks)inner).ReadChunkAsync(system, chunkId, cancellationToken);

        public IAsyncEnumerable<StoredChunkRef> ListChunksAsync(string system, CancellationToken cancellationToken) => ((ISnapshotStoreWithChunks)inner).ListChunksAsync(system, cancellationToken);

        public Task<bool> DeleteChunkAsync(string system, string chunkId, DateTimeOffset storedBefore, CancellationToken cancellationToken) => ((ISnapshotStoreWithChunks)inner).DeleteChunkAsync(system, chunkId, storedBefore, cancellationToken);

        public Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken) => inner.ImportAsync(system, sequence, envelope, cancellationToken);

        public Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken) => inner.ReadAsync(system, sequence, cancellationToken);

        public IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, CancellationToken cancellationToken) => inner.ListAsync(system, cancellationToken);

        public Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken) => inner.GetLatestSequenceAsync(system, cancellationToken);

        public Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken) => inner.DeleteAsync(system, sequence, cancellationToken);

        public Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken) => inner.QuarantineAsync(system, sequence, reason, cancellationToken);

        public IAsyncEnumerable<string> ListSystemsAsync(CancellationToken cancellationToken) => inner.ListSystemsAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        private Func<long, EnvelopeBytes> Counted(Func<long, EnvelopeBytes> createEnvelope) => sequence =>
        {
            var envelope = createEnvelope(sequence);
            Interlocked.Add(ref _bytes, envelope.Length);
            return envelope;
        };
    }
}
