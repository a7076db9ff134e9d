namespace StateVault.Benchmarks;

/// <summary>A state shaped like the managers' (a registry of entries with histories), sized to a target JSON length.</summary>
public sealed record BenchState(string Name, List<BenchEntry> Entries)
{
    /// <summary>A state whose JSON (vault settings) is <paramref name="targetBytes"/> long, or a few bytes more.</summary>
    public static BenchState OfSize(int targetBytes, int seed = 42)
    {
        var options = new SnapshotVaultOptions().JsonOptions;
        var state = OfEntries(targetBytes / 190, seed);
        var length = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state, options).Length;
        // Grow entry by entry (entries differ in length) until the JSON reaches the target.
        while (length < targetBytes)
        {
            state = OfEntries(state.Entries.Count + Math.Max(1, (targetBytes - length) / 200), seed);
            length = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state, options).Length;
        }

        return state;
    }

    private static BenchState OfEntries(int count, int seed)
    {
        var random = new Random(seed);
        var entries = new List<BenchEntry>(count);
        while (entries.Count < count)
        {
            var entry = new BenchEntry(
                $"agent-{entries.Count:D6}",
                random.Next(4) switch { 0 => "online", 1 => "idle", 2 => "busy", _ => "maintenance" },
                Math.Round(random.NextDouble() * 100, 3),
                new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(random.Next(10_000_000)),
                [.. Enumerable.Range(0, 4).Select(_ => Math.Round(random.NextDouble() * 1000, 2))],
                $"note {random.Next(1_000_000)} for entry {entries.Count}");
            entries.Add(entry);
        }

        return new BenchState("bench", entries);
    }
}

/// <summary>One entry of <see cref="BenchState"/>.</summary>
public sealed record BenchEntry(string Id, string Status, double Load, DateTimeOffset LastSeen, List<double> Recent, string Note);
