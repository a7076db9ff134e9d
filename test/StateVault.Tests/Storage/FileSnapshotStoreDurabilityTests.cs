using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.Tests.Storage;

/// <summary>
/// What the crash test cannot show (SIGKILL keeps the page cache, so it passes without any fsync): the durable write
/// flushes the file, then renames it into place, then flushes the folder, and the append returns only after that.
/// </summary>
public sealed class FileSnapshotStoreDurabilityTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Append_Durable_FsyncsTheFileThenRenamesThenFsyncsTheFolder()
    {
        var recorder = new RecordingFileSystem();
        var sut = new FileSnapshotStore(new FileSnapshotStoreOptions { RootPath = _dir.Store, Durable = true }, recorder);
        await using (sut)
        {
            var sequence = await sut.AppendAsync("orders", null, seq => TestEnvelopes.Create("orders", seq, "{}"), Ct);
            var final = Path.Combine(_dir.Store, "orders", $"orders-{sequence:D19}.svsnap");

            var steps = recorder.Steps;
            var rename = steps.FindIndex(s => s.Kind == "rename" && s.Target == final);
            Assert.True(rename > 0, "the snapshot was renamed into place: " + string.Join(" | ", steps));
            var temp = steps[rename].Path;
            Assert.StartsWith(".tmp-", Path.GetFileName(temp), StringComparison.Ordinal);
            var fileSync = steps.FindIndex(s => s.Kind == "fsync-file" && s.Path == temp);
            var dirSync = steps.FindIndex(rename, s => s.Kind == "fsync-dir" && s.Path == Path.Combine(_dir.Store, "orders"));
            Assert.True(fileSync >= 0 && fileSync < rename, "the file is fsynced before the rename: " + string.Join(" | ", steps));
            Assert.True(dirSync > rename, "the folder is fsynced after the rename: " + string.Join(" | ", steps));
            Assert.True(File.Exists(final));
        }
    }

    [Fact]
    public async Task Append_DirectoryFsyncFails_IsNotAcknowledged()
    {
        var recorder = new RecordingFileSystem { FailDirectoryFsync = true };
        var sut = new FileSnapshotStore(new FileSnapshotStoreOptions { RootPath = _dir.Store, Durable = true }, recorder);
        await using (sut)
        {
            var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => sut.AppendAsync("orders", null, seq => TestEnvelopes.Create("orders", seq, "{}"), Ct));

            Assert.Contains("Flushing folder", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Append_NotDurable_NeverFsyncs()
    {
        var recorder = new RecordingFileSystem();
        var sut = new FileSnapshotStore(new FileSnapshotStoreOptions { RootPath = _dir.Store, Durable = false }, recorder);
        await using (sut)
        {
            await sut.AppendAsync("orders", null, seq => TestEnvelopes.Create("orders", seq, "{}"), Ct);

            Assert.DoesNotContain(recorder.Steps, s => s.Kind.StartsWith("fsync", StringComparison.Ordinal));
            Assert.Contains(recorder.Steps, s => s.Kind == "rename");
        }
    }

    [Fact]
    public async Task Save_WithKeepLastPruning_RenamesThePrunedFileToTrash_AndUnlinksItAfterTheSaveReturned()
    {
        // Every unlink waits until the test opens the gate: a save that unlinked its pruned snapshot itself would hang.
        using var unlinks = new ManualResetEventSlim(false);
        var recorder = new RecordingFileSystem { UnlinkGate = unlinks };
        var sut = new FileSnapshotStore(new FileSnapshotStoreOptions { RootPath = _dir.Store, Durable = true }, recorder);
        var folder = Path.Combine(_dir.Store, "orders");
        try
        {
            await using var vault = new SnapshotVault(sut, new SnapshotVaultOptions { Retention = new global::StateVault.Retention.RetentionPolicy { KeepLast = 5 } });
            for (var i = 0; i < 5; i++)
            {
                await vault.SaveJsonAsync("orders", System.Text.Encoding.UTF8.GetBytes($$"""{"v":{{i}}}"""), cancellationToken: Ct);
            }

            var before = recorder.Steps.Count;
            for (var i = 5; i < 15; i++)
            {
                await vault.SaveJsonAsync("orders", System.Text.Encoding.UTF8.GetBytes($$"""{"v":{{i}}}"""), cancellationToken: Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            }

            // Each save: its own rename into place, and the snapshot it pruned renamed to trash; nothing unlinked yet.
            var steps = recorder.Steps.Skip(before).ToList();
            Assert.Equal(10, steps.Count(s => s.Kind == "rename" && Path.GetFileName(s.Path).StartsWith(".tmp-", StringComparison.Ordinal)));
            var trashed = steps.Where(s => s.Kind == "rename" && Path.GetFileName(s.Target!).StartsWith(".trash-", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(1, 10).Select(n => $"orders-{n:D19}.svsnap"), trashed.Select(s => Path.GetFileName(s.Path)));
            Assert.DoesNotContain(steps, s => s.Kind == "unlink");

            // The pruned snapshots are gone for every reader at once: listed neither by the store nor in the folder.
            var expected = Enumerable.Range(11, 5).Select(n => $"orders-{n:D19}.svsnap").ToList();
            Assert.Equal(expected, Directory.GetFiles(folder, "*.svsnap").Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(Enumerable.Range(11, 5).Select(n => (long)n), (await vault.ListAsync("orders", Ct)).Select(l => l.Sequence).Order());
        }
        finally
        {
            unlinks.Set();
            await sut.DisposeAsync();
        }

        // Disposing waits for the background unlinks: every trashed file is gone.
        Assert.Equal(10, recorder.Steps.Count(s => s.Kind == "unlink" && Path.GetFileName(s.Path).StartsWith(".trash-", StringComparison.Ordinal)));
        Assert.Empty(Directory.GetFiles(folder, ".trash-*"));
    }

    [Fact]
    public async Task Append_WhileAnotherAppendIsUnderWay_UnlinksThePrunedFileInPlace()
    {
        // One append waits in its folder's fsync; a second one, to another system, prunes meanwhile.
        using var release = new ManualResetEventSlim(false);
        using var held = new ManualResetEventSlim(false);
        var recorder = new RecordingFileSystem { HoldDirectoryFsync = ("held", held, release) };
        var sut = new FileSnapshotStore(new FileSnapshotStoreOptions { RootPath = _dir.Store, Durable = true }, recorder);
        await using (sut)
        {
            await sut.AppendAsync("orders", null, seq => TestEnvelopes.Create("orders", seq, "{}"), Ct);
            var waiting = sut.AppendAsync("held", null, seq => TestEnvelopes.Create("held", seq, "{}"), Ct);
            try
            {
                Assert.True(held.Wait(TimeSpan.FromSeconds(30), Ct), "the first append reached its folder's fsync");
                await sut.AppendAsync("orders", null, seq => TestEnvelopes.Create("orders", seq, "{}"), [1L], Ct);
            }
            finally
            {
                release.Set();
            }

            await waiting;

            // Unlinked by the append itself: deferring it would only put it before the other append's work on the same disk.
            var pruned = Path.Combine(_dir.Store, "orders", $"orders-{1:D19}.svsnap");
            Assert.Contains(recorder.Steps, s => s.Kind == "unlink" && s.Path == pruned);
            Assert.DoesNotContain(recorder.Steps, s => s.Kind == "rename" && s.Path == pruned);
            Assert.False(File.Exists(pruned));
        }
    }

    private sealed class RecordingFileSystem : FileSystemOps
    {
        private readonly List<Step> _steps = [];

        public bool FailDirectoryFsync { get; init; }

        public ManualResetEventSlim? UnlinkGate { get; init; }

        /// <summary>A folder whose fsync signals <c>Reached</c>, then waits for <c>Release</c>.</summary>
        public (string Folder, ManualResetEventSlim Reached, ManualResetEventSlim Release)? HoldDirectoryFsync { get; init; }

        public List<Step> Steps
        {
            get
            {
                lock (_steps)
                {
                    return [.. _steps];
                }
            }
        }

        public override void FlushToDisk(FileStream stream)
        {
            base.FlushToDisk(stream);
            Add(new Step("fsync-file", stream.Name, null));
        }

        public override void Move(string source, string destination, bool overwrite)
        {
            base.Move(source, destination, overwrite);
            Add(new Step("rename", source, destination));
        }

        public override void Delete(string path)
        {
            if (UnlinkGate is { } gate && !gate.Wait(TimeSpan.FromSeconds(60)))
            {
                throw new IOException("the test never opened the unlink gate");
            }

            base.Delete(path);
            Add(new Step("unlink", path, null));
        }

        public override void FsyncDirectory(string directory)
        {
            if (FailDirectoryFsync)
            {
                throw new IOException("fsync of directory failed (errno 5)");
            }

            if (HoldDirectoryFsync is { } hold && Path.GetFileName(directory) == hold.Folder)
            {
                hold.Reached.Set();
                if (!hold.Release.Wait(TimeSpan.FromSeconds(60)))
                {
                    throw new IOException("the test never released the folder's fsync");
                }
            }

            base.FsyncDirectory(directory);
            Add(new Step("fsync-dir", directory, null));
        }

        private void Add(Step step)
        {
            lock (_steps)
            {
                _steps.Add(step);
            }
        }
    }

    private sealed record Step(string Kind, string Path, string? Target);
}
