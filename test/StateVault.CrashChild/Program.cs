// Usage:
//   StateVault.CrashChild crash  --root DIR --system NAME --seed N
//       Prints READY, then saves a growing state in an endless loop (retention: the default keep-last 5) until it is killed.
//   StateVault.CrashChild writer --root DIR --system NAME --seed N --count N
//       Prints READY, waits for a line on stdin, saves N snapshots (retention: keep all), exits 0.
//   StateVault.CrashChild chunked --root DIR --system NAME --seed N
//       Prints READY, then saves chunked states (about 200 KiB of records, a contiguous run of 1 % of them changed per
//       save; 64 KiB threshold, 4 KiB average chunks) in an endless loop: keep-last 3, no grace period, so retention and
//       the collection of unreferenced chunks run after every save, until it is killed.
// All print "ACK <sequence> <sha256 of the state JSON, lowercase hex>" to stdout only after SaveAsync returned:
// a line on stdout is a promise that the save is durable.
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using StateVault;
using StateVault.Retention;
using StateVault.Storage;

var mode = args.Length > 0 ? args[0] : throw new ArgumentException("mode (crash|writer) required");
string Arg(string name, string? fallback = null)
{
    var index = Array.IndexOf(args, "--" + name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback ?? throw new ArgumentException($"--{name} required");
}

var root = Arg("root");
var system = Arg("system");
var random = new Random(int.Parse(Arg("seed", "1"), CultureInfo.InvariantCulture));
var writer = mode == "writer";
var count = writer ? int.Parse(Arg("count"), CultureInfo.InvariantCulture) : int.MaxValue;

await using var store = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = root, Durable = true });
var options = new SnapshotVaultOptions { Producer = $"crash-child/{Environment.ProcessId}" };
if (writer)
{
    options.Retention = RetentionPolicy.KeepAll;
}

var chunked = mode == "chunked";
if (chunked)
{
    options.Retention = new RetentionPolicy { KeepLast = 3 };
    options.Chunking.Threshold = 64 * 1024;
    options.Chunking.AverageChunkSize = 4 * 1024;
    options.Chunking.GracePeriod = TimeSpan.Zero;
}

await using var vault = new SnapshotVault(store, options);

// Continue from where a previous (killed) child stopped, so the state keeps growing across restarts. (The latest
// sequence, not a load: a load would only add start-up time, and every kill must hit a process that is saving.)
var counter = await vault.GetLatestSequenceAsync(system);
var stdout = Console.Out;

// READY: from here on the process is in its save loop, so a kill after this line always hits a saving process.
await stdout.WriteLineAsync("READY");
await stdout.FlushAsync();
if (writer)
{
    _ = await Console.In.ReadLineAsync();
}

// The chunked mode's records: the same base in every child, so a restarted child shares most chunks with the last one.
var records = Enumerable.Range(0, 3000).Select(n => new JsonObject { ["id"] = n, ["name"] = $"record {n * 7919 % 10007}", ["value"] = 0 }).ToArray();
for (var i = 0; i < count; i++)
{
    counter++;
    if (chunked)
    {
        var start = random.Next(records.Length - 30);
        for (var r = start; r < start + 30; r++)
        {
            records[r]["value"] = counter;
        }

        var document = new JsonObject { ["counter"] = counter, ["records"] = new JsonArray([.. records.Select(r => (JsonNode)r.DeepClone())]) };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(document, vault.JsonOptions);
        var stored = await vault.SaveJsonAsync(system, bytes);
        await stdout.WriteLineAsync($"ACK {stored.Sequence.ToString(CultureInfo.InvariantCulture)} {Convert.ToHexStringLower(SHA256.HashData(bytes))}");
        await stdout.FlushAsync();
        continue;
    }

    // Sizes from a few hundred bytes to ~200 KiB: about one save in four is above the 64 KiB compression threshold.
    var size = random.Next(4) == 0 ? random.Next(64 * 1024, 200 * 1024) : random.Next(100, 16 * 1024);
    var chunk = new byte[size / 2];
    random.NextBytes(chunk);
    var state = new JsonObject
    {
        ["counter"] = counter,
        ["writer"] = Environment.ProcessId,
        ["history"] = new JsonArray([.. Enumerable.Range(0, (int)Math.Min(counter, 50)).Select(n => (JsonNode)(counter - n))]),
        // Hex text only, so the secret scanner (reject mode, the default) never finds anything in it.
        ["payload"] = Convert.ToHexStringLower(chunk),
    };
    var json = JsonSerializer.SerializeToUtf8Bytes(state, vault.JsonOptions);

    var saved = await vault.SaveAsync(system, state);

    await stdout.WriteLineAsync($"ACK {saved.Sequence.ToString(CultureInfo.InvariantCulture)} {Convert.ToHexStringLower(SHA256.HashData(json))}");
    await stdout.FlushAsync();
}

return 0;
