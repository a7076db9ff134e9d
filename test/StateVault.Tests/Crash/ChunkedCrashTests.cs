using System.Globalization;
using System.Security.Cryptography;
using StateVault.Envelope;
using StateVault.Storage;
using StateVault.TestKit;
using StateVault.Tests.Support;

namespace StateVault.Tests.Crash;

/// <summary>
/// Issue 13, item 1: a chunk referenced by any durable snapshot is never deleted. A child saves chunked states with
/// small changes (keep-last 3, no grace period, so retention and chunk collection run after every save) and is killed
/// with SIGKILL at random moments; after each kill every acknowledged and retained snapshot loads and every listed
/// snapshot's chunks exist.
/// </summary>
public sealed class ChunkedCrashTests(ITestOutputHelper output)
{
    private const string System = "chunked_state";
    private const int Kills = 15;

    [Fact]
    public async Task ChunkedSaveLoop_KilledAtRandomMoments_KeepsEveryChunkOfEveryListedSnapshot()
    {
        Assert.True(File.Exists(ChildProcess.ChildDll), $"{ChildProcess.ChildDll} is built next to the tests");
        // A guard against a hang, not a timing assertion: the test fails only when a round makes no progress for 2 minutes.
        using var guard = new HangGuard(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        var ct = guard.Token;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        using var folder = new TempFolder("sv-chunkcrash");
        var acknowledged = new Dictionary<long, string>();
        var failures = new List<string>();
        var killed = 0;
        var chunkedSeen = 0;
        try
        {
            for (var round = 0; round < Kills; round++)
            {
                using var child = ChildProcess.Start("chunked", "--root", folder.Path, "--system", System, "--seed", random.Next().ToString(CultureInfo.InvariantCulture));
                var wanted = random.Next(1, 6);
                var ready = false;
                var acked = 0;
                while (!ready || acked < wanted)
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    deadline.CancelAfter(TimeSpan.FromSeconds(60));
                    var line = await child.ReadLineAsync(deadline.Token);
                    if (line is null)
                    {
                        break;
                    }

                    ready |= line == "READY";
                    acked += Record(line, acknowledged) ? 1 : 0;
                }

                var extra = random.Next(-5, 40);
                if (extra > 0)
                {
                    // Not a wait for a condition: it places the kill at a random point of the child's save loop.
                    await Task.Delay(extra, ct);
                }

                if (child.KillHard())
                {
                    killed++;
                }
                else
                {
                    failures.Add($"round {round}: the child exited by itself (exit {child.ExitCode}): {child.StandardError}");
                }

                await child.WaitForExitAsync(ct);
                foreach (var line in await child.ReadRemainingLinesAsync(ct))
                {
                    Record(line, acknowledged);
                }

                chunkedSeen += await VerifyAsync(folder.Path, acknowledged, failures, $"round {round}", ct);
                guard.Progress($"round {round}");
            }
        }
        catch (OperationCanceledException) when (guard.Fired)
        {
            Assert.Fail(guard.Describe());
        }

        output.WriteLine($"chunked crash test: {killed} SIGKILLs, {acknowledged.Count} acknowledged saves, {chunkedSeen} chunked snapshots checked, {failures.Count} failures (seed {seed})");
        foreach (var failure in failures.Take(20))
        {
            output.WriteLine("  FAILURE " + failure);
        }

        Assert.Equal(Kills, killed);
        Assert.True(chunkedSeen > 0, "no chunked snapshot was checked");
        Assert.True(failures.Count == 0, $"{failures.Count} failures; first: {failures.FirstOrDefault()}");
    }

    private static bool Record(string line, Dictionary<long, string> acknowledged)
    {
        if (!ChildProcess.TryParseAck(line, out var sequence, out var sha))
        {
            return false;
        }

        acknowledged[sequence] = sha;
        return true;
    }

    /// <returns>How many chunked snapshots were checked.</returns>
    private static async Task<int> VerifyAsync(string root, Dictionary<long, string> acknowledged, List<string> failures, string where, CancellationToken cancellationToken)
    {
        await using var store = FileSnapshotStoreProvider.Create(root);
        var chunks = (ISnapshotStoreWithChunks)store;
        var checkedChunked = 0;
        var listed = new List<long>();
        await foreach (var item in store.ListAsync(System, cancellationToken))
        {
            listed.Add(item.Sequence);
        }

        // First the raw check (before any vault could put a chunk again): every chunk every listed snapshot names exists.
        foreach (var sequence in listed)
        {
            var bytes = await store.ReadAsync(System, sequence, cancellationToken);
            if (bytes is null)
            {
                continue;
            }

            var (header, payload) = SnapshotEnvelope.Decode(bytes);
            if (header.Codec != ChunkManifest.Codec)
            {
                continue;
            }

            checkedChunked++;
            foreach (var entry in ChunkManifest.Parse(payload.Span, long.MaxValue).Chunks)
            {
                if (await chunks.ReadChunkAsync(System, entry.Id, cancellationToken) is null)
                {
                    failures.Add($"{where}: snapshot {sequence} names chunk {entry.Id}, which is gone");
                }
            }
        }

        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { PruneAfterSave = false });
        var latest = await vault.LoadLatestJsonAsync(System, cancellationToken);
        if (acknowledged.Count > 0 && latest is null)
        {
            failures.Add($"{where}: nothing loads, but {acknowledged.Keys.Max()} was acknowledged");
        }

        if (latest is not null && latest.Skipped.Count > 0)
        {
            failures.Add($"{where}: damaged snapshots: {string.Join("; ", latest.Skipped.Select(s => $"{s.Sequence}: {s.Reason}"))}");
        }

        var oldestKept = listed.Count > 0 ? listed.Min() : long.MaxValue;
        foreach (var (sequence, sha) in acknowledged.Where(a => a.Key >= oldestKept))
        {
            var snapshot = await vault.LoadJsonAsync(System, sequence, cancellationToken);
            if (snapshot is null)
            {
                failures.Add($"{where}: acknowledged {sequence} is missing although {oldestKept} is still kept");
            }
            else if (Convert.ToHexStringLower(SHA256.HashData(snapshot.Json.Span)) != sha)
            {
                failures.Add($"{where}: acknowledged {sequence} reads back a different state");
            }
        }

        return checkedChunked;
    }
}
