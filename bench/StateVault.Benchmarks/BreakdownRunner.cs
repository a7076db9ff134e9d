using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StateVault.Envelope;
using StateVault.Serialization;
using StateVault.Storage;

using static StateVault.Benchmarks.BenchStats;

namespace StateVault.Benchmarks;

/// <summary>
/// `-- breakdown`: where a small save and a load-latest spend their time on the file store, next to the hand-rolled durable
/// writer, as medians of interleaved rounds. Each vault variant switches one step off (secret scan, retention), so the
/// difference to the default vault is what that step costs; the store rows time the store alone (append of prebuilt bytes,
/// listing, read).
/// </summary>
internal static class BreakdownRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var roundsIndex = Array.IndexOf(args, "--rounds");
        var rounds = roundsIndex >= 0 && roundsIndex + 1 < args.Length ? int.Parse(args[roundsIndex + 1], CultureInfo.InvariantCulture) : 150;
        var root = Path.Combine(Path.GetTempPath(), $"sv-breakdown-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            var load = BenchStats.LoadAverage();
            Console.WriteLine($"Where a save and a load go — {Environment.ProcessorCount} cores, load average at start: {load}; medians in ms of {rounds} interleaved rounds");
            if (!args.Contains("--concurrent-only"))
            {
                foreach (var bytes in new[] { 1024, 64 * 1024 })
                {
                    await MeasureAsync(Path.Combine(root, bytes.ToString(CultureInfo.InvariantCulture)), bytes, rounds);
                }
            }

            await ConcurrentAsync(Path.Combine(root, "concurrent"));

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task MeasureAsync(string root, int bytes, int rounds)
    {
        var state = BenchState.OfSize(bytes);
        var vaults = new List<(string Name, SnapshotVault Vault)>
        {
            ("vault (defaults)", Vault(root, "default", _ => { })),
            ("vault, secret scan off", Vault(root, "noscan", o => o.SecretPolicy = Secrets.SecretPolicy.Off)),
            ("vault, retention off", Vault(root, "noprune", o => o.PruneAfterSave = false)),
            ("vault, scan and retention off", Vault(root, "bare", o => { o.SecretPolicy = Secrets.SecretPolicy.Off; o.PruneAfterSave = false; })),
            ("sqlite vault (defaults)", SqliteVault(root, "sqlite-default", _ => { })),
            ("sqlite vault, retention off", SqliteVault(root, "sqlite-noprune", o => o.PruneAfterSave = false)),
        };
        var handDir = Path.Combine(root, "hand");
        Directory.CreateDirectory(handDir);
        var storeOnly = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = Path.Combine(root, "store"), Durable = true });
        var envelope = await PrebuiltEnvelopeAsync(root, state);
        foreach (var (_, vault) in vaults)
        {
            for (var i = 0; i < 6; i++)
            {
                await vault.SaveAsync("bench", state);
            }
        }

        for (var i = 0; i < 6; i++)
        {
            HandRolledWriter.Save(handDir, state);
            await storeOnly.AppendAsync("bench", null, seq => SnapshotEnvelope.Create(envelope.Header with { Sequence = seq }, envelope.Payload), CancellationToken.None);
        }

        var times = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var recording = false;
        void Add(string name, double ms)
        {
            if (recording)
            {
                (times.TryGetValue(name, out var list) ? list : times[name] = []).Add(ms);
            }
        }

        async Task RoundAsync()
        {
            var clock = Stopwatch.StartNew();
            HandRolledWriter.Save(handDir, state);
            Add("save: hand-rolled", clock.Elapsed.TotalMilliseconds);

            foreach (var (name, vault) in vaults)
            {
                clock.Restart();
                await vault.SaveAsync("bench", state);
                Add("save: " + name, clock.Elapsed.TotalMilliseconds);
            }

            clock.Restart();
            await storeOnly.AppendAsync("bench", null, seq => SnapshotEnvelope.Create(envelope.Header with { Sequence = seq }, envelope.Payload), CancellationToken.None);
            Add("save: store append alone (prebuilt envelope, no retention)", clock.Elapsed.TotalMilliseconds);

            clock.Restart();
            using (var json = new PooledBufferWriter())
            {
                using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { SkipValidation = true }))
                {
                    JsonSerializer.Serialize(writer, state, vaults[0].Vault.JsonOptions);
                }

                Add("step: serialize (vault options)", clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                _ = Secrets.SecretScanner.Scan(json.WrittenMemory.Span);
                Add("step: secret scan", clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                _ = SnapshotEnvelope.Sha256Hex(json.WrittenMemory.Span);
                Add("step: SHA-256 of the JSON", clock.Elapsed.TotalMilliseconds);
            }

            clock.Restart();
            var handBytes = File.ReadAllBytes(Path.Combine(handDir, HandRolledWriter.FileName));
            _ = JsonSerializer.Deserialize<BenchState>(handBytes);
            Add("load: hand-rolled (read + deserialize)", clock.Elapsed.TotalMilliseconds);

            clock.Restart();
            _ = await vaults[0].Vault.LoadLatestAsync<BenchState>("bench");
            Add("load: vault LoadLatestAsync", clock.Elapsed.TotalMilliseconds);

            clock.Restart();
            long latest = 0;
            var defaultStore = vaults[0].Vault.Store;
            await foreach (var item in defaultStore.ListAsync("bench", CancellationToken.None))
            {
                latest = item.Sequence;
            }

            Add("load step: store listing (keep-last 5 folder)", clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            var stored = await defaultStore.ReadAsync("bench", latest, CancellationToken.None);
            Add("load step: store read", clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            var (_, payload) = SnapshotEnvelope.Decode(stored!);
            Add("load step: envelope decode + checksums", clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            _ = JsonSerializer.Deserialize<BenchState>(payload.Span, vaults[0].Vault.JsonOptions);
            Add("load step: deserialize (vault options)", clock.Elapsed.TotalMilliseconds);
        }

        await SteadyState.WarmUpAsync(RoundAsync, callsPerPhase: 40);
        recording = true;
        for (var round = 0; round < rounds; round++)
        {
            await RoundAsync();
        }

        Console.WriteLine();
        Console.WriteLine($"| {bytes / 1024} KiB | median ms | × hand-rolled |");
        Console.WriteLine("|---|---:|---:|");
        var handSave = Median(times["save: hand-rolled"]);
        var handLoad = Median(times["load: hand-rolled (read + deserialize)"]);
        foreach (var (name, list) in times)
        {
            var baseline = name.StartsWith("load", StringComparison.Ordinal) ? handLoad : handSave;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(list):F3} | {Median(list) / baseline:F2} |"));
        }

        foreach (var (_, vault) in vaults)
        {
            await vault.DisposeAsync();
        }

        await storeOnly.DisposeAsync();
    }

    /// <summary>8 systems saving 64 KiB at once: saves per second of each variant, two interleaved rounds of 2 s, the better kept.</summary>
    private static async Task ConcurrentAsync(string root)
    {
        const int Systems = 8;
        var state = BenchState.OfSize(64 * 1024);
        var variants = new List<(string Name, Func<int, Task> Save, SnapshotVault? Vault)>();
        foreach (var (name, configure) in new (string, Action<SnapshotVaultOptions>)[]
        {
            ("vault (defaults)", _ => { }),
            ("vault, secret scan off", o => o.SecretPolicy = Secrets.SecretPolicy.Off),
            ("vault, retention off", o => o.PruneAfterSave = false),
        })
        {
            var vault = Vault(root, name.Replace(' ', '_').Replace(',', '_'), configure);
            variants.Add((name, i => vault.SaveAsync($"system_{i}", state), vault));
        }

        var dirs = Enumerable.Range(0, Systems).Select(i => Path.Combine(root, $"hand-{i}")).ToList();
        dirs.ForEach(d => Directory.CreateDirectory(d));
        variants.Insert(0, ("hand-rolled", i => { HandRolledWriter.Save(dirs[i], state); return Task.CompletedTask; }, null));
        foreach (var (_, save, _) in variants)
        {
            for (var i = 0; i < Systems * 6; i++)
            {
                await save(i % Systems);
            }
        }

        await SteadyState.WarmUpAsync(async () => await Task.WhenAll(variants.Select(v => v.Save(0))), callsPerPhase: 20);

        var rates = variants.ToDictionary(v => v.Name, _ => 0.0);
        for (var round = 0; round < 2; round++)
        {
            foreach (var (name, save, _) in variants)
            {
                var count = 0;
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, Systems).Select(i => Task.Run(async () =>
                {
                    while (clock.Elapsed.TotalSeconds < 2)
                    {
                        await save(i);
                        Interlocked.Increment(ref count);
                    }
                })));
                rates[name] = Math.Max(rates[name], count / clock.Elapsed.TotalSeconds);
            }
        }

        Console.WriteLine();
        Console.WriteLine("| 8 systems × 64 KiB at once | saves/s | × hand-rolled |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (name, rate) in rates)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {rate:F0} | {rate / rates["hand-rolled"]:F2} |"));
        }

        foreach (var (_, _, vault) in variants)
        {
            if (vault is not null)
            {
                await vault.DisposeAsync();
            }
        }
    }

    private static SnapshotVault Vault(string root, string name, Action<SnapshotVaultOptions> configure)
    {
        var options = new SnapshotVaultOptions();
        configure(options);
        var store = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = Path.Combine(root, name), Durable = true });
        return new SnapshotVault(store, options, ownsStore: true);
    }

    private static SnapshotVault SqliteVault(string root, string name, Action<SnapshotVaultOptions> configure)
    {
        var options = new SnapshotVaultOptions();
        configure(options);
        var store = Sqlite.SqliteSnapshotStoreProvider.Create(new Sqlite.SqliteSnapshotStoreOptions { DatabasePath = Path.Combine(root, name, "statevault.db") });
        return new SnapshotVault(store, options, ownsStore: true);
    }

    private static async Task<(SnapshotHeader Header, ReadOnlyMemory<byte> Payload)> PrebuiltEnvelopeAsync(string root, BenchState state)
    {
        var store = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = Path.Combine(root, "prebuilt"), Durable = true });
        await using var vault = new SnapshotVault(store, ownsStore: true);
        var saved = await vault.SaveAsync("bench", state);
        var bytes = await store.ReadAsync("bench", saved.Sequence, CancellationToken.None);
        var (header, payload) = SnapshotEnvelope.Decode(bytes!);
        return (header, payload.ToArray());
    }

}
