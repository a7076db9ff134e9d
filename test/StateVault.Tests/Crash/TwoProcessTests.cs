using System.Globalization;
using System.Security.Cryptography;
using StateVault.Storage;
using StateVault.Tests.Support;

namespace StateVault.Tests.Crash;

/// <summary>DESIGN: two writers never both win the same sequence — here two OS processes on one folder.</summary>
public sealed class TwoProcessTests(ITestOutputHelper output)
{
    private const string System = "shared_state";
    private const int SavesPerWriter = 40;

    [Fact]
    public async Task SaveAsync_TwoProcessesOnOneFolder_EveryAcknowledgedSequenceIsUniquePresentAndValid()
    {
        Assert.True(File.Exists(ChildProcess.ChildDll), $"{ChildProcess.ChildDll} is built next to the tests");
        using var folder = new TempFolder("sv-two");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        using var first = ChildProcess.Start("writer", "--root", folder.Path, "--system", System, "--seed", "1", "--count", SavesPerWriter.ToString(CultureInfo.InvariantCulture));
        using var second = ChildProcess.Start("writer", "--root", folder.Path, "--system", System, "--seed", "2", "--count", SavesPerWriter.ToString(CultureInfo.InvariantCulture));

        // Both are started and warmed up before either saves, so their save loops overlap.
        Assert.Equal("READY", await first.ReadLineAsync(ct));
        Assert.Equal("READY", await second.ReadLineAsync(ct));
        await Task.WhenAll(first.WriteLineAsync("GO"), second.WriteLineAsync("GO"));
        var lines = await Task.WhenAll(first.ReadRemainingLinesAsync(ct), second.ReadRemainingLinesAsync(ct));
        await Task.WhenAll(first.WaitForExitAsync(ct), second.WaitForExitAsync(ct));

        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.True(second.ExitCode == 0, second.StandardError);
        var acks = lines.Select((writerLines, writer) => writerLines.Select(line =>
        {
            Assert.True(ChildProcess.TryParseAck(line, out var sequence, out var sha), $"unexpected output: {line}");
            return (Writer: writer, Sequence: sequence, Sha: sha);
        }).ToList()).ToList();
        Assert.All(acks, writerAcks => Assert.Equal(SavesPerWriter, writerAcks.Count));
        var all = acks.SelectMany(a => a).OrderBy(a => a.Sequence).ToList();

        Assert.Equal(2 * SavesPerWriter, all.Select(a => a.Sequence).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 2 * SavesPerWriter).Select(i => (long)i), all.Select(a => a.Sequence));
        await using var store = FileSnapshotStoreProvider.Create(folder.Path);
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions { PruneAfterSave = false });
        foreach (var (_, sequence, sha) in all)
        {
            var snapshot = await vault.LoadJsonAsync(System, sequence, ct);
            Assert.NotNull(snapshot);
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(snapshot.Json.Span)));
        }

        Assert.True((await vault.VerifyAsync(System, cancellationToken: ct)).IsHealthy);
        Assert.Equal(2 * SavesPerWriter, (await vault.LoadLatestJsonAsync(System, ct))!.Metadata.Sequence);
        var switches = all.Zip(all.Skip(1)).Count(p => p.First.Writer != p.Second.Writer);
        output.WriteLine($"two processes: {all.Count} acknowledged saves, all unique, present and valid; the writer changed {switches} times along the sequence");
    }
}
