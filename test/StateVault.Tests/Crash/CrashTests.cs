using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using StateVault.Storage;
using StateVault.TestKit;
using StateVault.Tests.Support;

namespace StateVault.Tests.Crash;

/// <summary>
/// DESIGN guarantee 1: an acknowledged save survives kill -9 and is never read back torn.
/// A child process saves a growing state in a loop through the real vault and durable file store and prints an ACK only
/// after SaveAsync returned; the test kills it with SIGKILL at random moments, hundreds of times, and checks the store
/// after every kill.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const string System = "crash_state";
    // Four children at a time: their start-up is CPU-bound, and on a shared machine more of them get a larger share of it.
    private const int Lanes = 4;

    /// <summary>200 kills in CI (CI=true); locally too, unless STATEVAULT_CRASH_KILLS asks for another number.</summary>
    private static int KillCount =>
        Environment.GetEnvironmentVariable("CI") is "true" or "1"
            ? Math.Max(200, EnvKills ?? 0)
            : EnvKills ?? 200;

    private static int? EnvKills => int.TryParse(Environment.GetEnvironmentVariable("STATEVAULT_CRASH_KILLS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;

    [Fact]
    public async Task SaveLoop_KilledWithSigkillAtRandomMoments_NeverLosesAnAcknowledgedSaveNorReadsATornOne()
    {
        Assert.True(File.Exists(ChildProcess.ChildDll), $"{ChildProcess.ChildDll} is built next to the tests");
        // A guard against a hang, not a timing assertion: the test fails only when no lane completes a round for 2 minutes.
        using var guard = new HangGuard(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        var kills = KillCount;
        var seed = Environment.TickCount;
        var stopwatch = Stopwatch.StartNew();

        LaneResult[] lanes;
        try
        {
            lanes = await Task.WhenAll(Enumerable.Range(0, Lanes).Select(lane =>
                Task.Run(() => RunLaneAsync(lane, kills / Lanes + (lane < kills % Lanes ? 1 : 0), seed + lane, guard, guard.Token), guard.Token)));
        }
        catch (OperationCanceledException) when (guard.Fired)
        {
            Assert.Fail($"{guard.Describe()}, of {kills} kills");
            throw;
        }

        var failures = lanes.SelectMany(l => l.Failures).ToList();
        output.WriteLine(
            $"crash test: {lanes.Sum(l => l.Kills)} SIGKILLs of a saving process in {Lanes} lanes, {failures.Count} failures, " +
            $"{lanes.Sum(l => l.Acknowledged)} acknowledged saves, {lanes.Sum(l => l.Unacknowledged)} complete but unacknowledged newest snapshots, " +
            $"{lanes.Sum(l => l.LeftoverTempFiles)} leftover temp files seen, {stopwatch.Elapsed.TotalSeconds:F1} s (seed {seed})");
        foreach (var failure in failures.Take(20))
        {
            output.WriteLine("  FAILURE " + failure);
        }

        Assert.Equal(kills, lanes.Sum(l => l.Kills));
        Assert.True(failures.Count == 0, $"{failures.Count} failures after {kills} kills; first: {failures.FirstOrDefault()}");
    }

    private sealed record LaneResult(int Kills, int Acknowledged, int Unacknowledged, int LeftoverTempFiles, List<string> Failures);

    private static async Task<LaneResult> RunLaneAsync(int lane, int kills, int seed, HangGuard guard, CancellationToken cancellationToken)
    {
        using var folder = new TempFolder($"sv-crash{lane}");
        var random = new Random(seed);
        var acknowledged = new Dictionary<long, string>();
        var failures = new List<string>();
        int killed = 0, unacknowledged = 0, leftovers = 0;
        for (var round = 0; round < kills; round++)
        {
            using var child = ChildProcess.Start("crash", "--root", folder.Path, "--system", System, "--seed", random.Next().ToString(CultureInfo.InvariantCulture));
            // Kill after READY (the child is in its save loop) and 0 to 5 acknowledgements, then after a random extra
            // moment, so kills land inside every step of a save (temp write, fsync, rename, directory fsync, retention)
            // and between saves.
            var wanted = random.Next(6);
            var ready = false;
            var ackedThisRound = 0;
            while (!ready || ackedThisRound < wanted)
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(TimeSpan.FromSeconds(60));
                var line = await child.ReadLineAsync(deadline.Token);
                if (line is null)
                {
                    break;
                }

                ready |= line == "READY";
                ackedThisRound += Record(line, acknowledged, failures, lane) ? 1 : 0;
            }

            var extra = random.Next(-10, 30);
            if (extra > 0)
            {
                // Not a wait for a condition: it places the kill at a random point of the child's save loop.
                await Task.Delay(extra, cancellationToken);
            }

            if (!child.KillHard())
            {
                failures.Add($"lane {lane} round {round}: the child exited by itself (exit {child.ExitCode}): {child.StandardError}");
            }
            else
            {
                killed++;
            }

            await child.WaitForExitAsync(cancellationToken);
            // Lines the child printed before it died were acknowledgements too.
            foreach (var line in await child.ReadRemainingLinesAsync(cancellationToken))
            {
                Record(line, acknowledged, failures, lane);
            }

            leftovers += Directory.Exists(Path.Combine(folder.Path, System))
                ? Directory.GetFiles(Path.Combine(folder.Path, System), ".tmp-*").Length
                : 0;
            unacknowledged += await VerifyAsync(folder.Path, acknowledged, failures, $"lane {lane} round {round}", cancellationToken);
            guard.Progress($"lane {lane} round {round}");
        }

        await CheckNextAppendCleansTempFilesAsync(folder.Path, failures, cancellationToken);
        return new LaneResult(killed, acknowledged.Count, unacknowledged, leftovers, failures);
    }

    private static bool Record(string line, Dictionary<long, string> acknowledged, List<string> failures, int lane)
    {
        if (!ChildProcess.TryParseAck(line, out var sequence, out var sha))
        {
            return false;
        }

        if (acknowledged.TryGetValue(sequence, out var earlier) && earlier != sha)
        {
            failures.Add($"lane {lane}: sequence {sequence} acknowledged twice with different states");
        }

        acknowledged[sequence] = sha;
        return true;
    }

    /// <returns>1 when the newest snapshot is complete but was never acknowledged (allowed), else 0.</returns>
    private static async Task<int> VerifyAsync(string root, Dictionary<long, string> acknowledged, List<string> failures, string where, CancellationToken cancellationToken)
    {
        await using var store = FileSnapshotStoreProvider.Create(root);
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { PruneAfterSave = false });
        JsonSnapshot? latest;
        try
        {
            latest = await vault.LoadLatestJsonAsync(System, cancellationToken);
        }
        catch (Exception ex) when (ex is StateVaultException or IOException)
        {
            failures.Add($"{where}: loading the latest failed: {ex.Message}");
            return 0;
        }

        if (acknowledged.Count == 0)
        {
            return 0;
        }

        var newestAcknowledged = acknowledged.Keys.Max();
        if (latest is null)
        {
            failures.Add($"{where}: nothing loads, but {newestAcknowledged} was acknowledged");
            return 0;
        }

        if (latest.Skipped.Count > 0)
        {
            failures.Add($"{where}: a torn or damaged snapshot was visible: {string.Join("; ", latest.Skipped.Select(s => $"{s.Sequence}: {s.Reason}"))}");
        }

        var sequence = latest.Metadata.Sequence;
        var unacknowledged = 0;
        if (acknowledged.TryGetValue(sequence, out var sha))
        {
            if (Sha(latest.Json) != sha)
            {
                failures.Add($"{where}: latest {sequence} differs from the state acknowledged for it");
            }
        }
        else if (sequence > newestAcknowledged)
        {
            unacknowledged = 1; // a save that completed but was killed before its ACK: allowed
        }
        else
        {
            failures.Add($"{where}: latest is {sequence}, older than the acknowledged {newestAcknowledged}");
        }

        var stored = new List<long>();
        await foreach (var item in store.ListAsync(System, cancellationToken))
        {
            stored.Add(item.Sequence);
        }

        // Retention (keep-last 5) removes only the oldest: every acknowledged sequence from the oldest kept one on is there.
        var oldestKept = stored.Count > 0 ? stored.Min() : long.MaxValue;
        foreach (var (acked, ackedSha) in acknowledged.Where(a => a.Key >= oldestKept))
        {
            var snapshot = await vault.LoadJsonAsync(System, acked, cancellationToken);
            if (snapshot is null)
            {
                failures.Add($"{where}: acknowledged {acked} is missing although {oldestKept} is still kept");
            }
            else if (Sha(snapshot.Json) != ackedSha)
            {
                failures.Add($"{where}: acknowledged {acked} reads back a different state");
            }
        }

        return unacknowledged;
    }

    private static async Task CheckNextAppendCleansTempFilesAsync(string root, List<string> failures, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(root, System);
        await File.WriteAllTextAsync(Path.Combine(dir, ".tmp-crash_state-0000000000000099999.svsnap-deadbeef"), "torn", cancellationToken);
        await using var store = FileSnapshotStoreProvider.Create(root);
        await using var vault = new SnapshotVault(store);

        await vault.SaveJsonAsync(System, """{"after":"crashes"}"""u8.ToArray(), cancellationToken: cancellationToken);

        var left = Directory.GetFiles(dir, ".tmp-*");
        if (left.Length > 0)
        {
            failures.Add($"temp files left after the next append: {string.Join(", ", left.Select(Path.GetFileName))}");
        }
    }

    private static string Sha(ReadOnlyMemory<byte> json) => Convert.ToHexStringLower(SHA256.HashData(json.Span));
}
