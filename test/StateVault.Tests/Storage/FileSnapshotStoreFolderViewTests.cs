using System.Globalization;
using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.Tests.Storage;

/// <summary>
/// The file store's folder views: a folder is read once, then kept exact from the kernel's notifications; every change,
/// by this store, another instance or anything else on the machine, is seen by the next use.
/// </summary>
public sealed class FileSnapshotStoreFolderViewTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sv-views-" + Guid.NewGuid().ToString("N"));
    private readonly List<FileSnapshotStore> _stores = [];

    // Views of this class's own: no other test's store drains its notifications (an overflow must happen here when caused here).
    private readonly FileSnapshotStore.FolderViews _views = new();

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        _views.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task AppendListLoad_ManyOnOneSystem_ReadTheFolderOnce()
    {
        SkipUnlessViewsWork();
        var ct = TestContext.Current.CancellationToken;
        var sut = Open();
        await AppendAsync(sut, "s", ct);
        var afterFirst = sut.FolderPasses;
        for (var i = 0; i < 20; i++)
        {
            await sut.AppendAsync("s", null, seq => TestEnvelopes.Create("s", seq, "{}"), [i + 1L], ct);
            Assert.Equal(i + 2, await sut.GetLatestSequenceAsync("s", ct));
            Assert.Equal([i + 2L], await ListAsync(sut, "s", ct));
        }

        Assert.Equal(1, afterFirst);
        Assert.Equal(afterFirst, sut.FolderPasses);
    }

    [Fact]
    public async Task AppendListLoad_WatchFoldersOff_ReadTheFolderEveryTime()
    {
        var ct = TestContext.Current.CancellationToken;
        var sut = Open(watch: false);
        for (var i = 0; i < 5; i++)
        {
            await AppendAsync(sut, "s", ct);
            _ = await ListAsync(sut, "s", ct);
        }

        Assert.Equal(10, sut.FolderPasses);
    }

    [Fact]
    public async Task List_ChangesByAnotherInstanceAndByHand_AreSeenWithoutReadingTheFolderAgain()
    {
        SkipUnlessViewsWork();
        var ct = TestContext.Current.CancellationToken;
        var writer = Open();
        var reader = Open();
        await AppendAsync(writer, "c", ct);
        Assert.Equal([1L], await ListAsync(reader, "c", ct));

        await AppendAsync(writer, "c", ct);
        await AppendAsync(writer, "c", ct);
        Assert.Equal([1L, 2L, 3L], await ListAsync(reader, "c", ct));
        Assert.Equal(3, await reader.GetLatestSequenceAsync("c", ct));

        Assert.True(await writer.DeleteAsync("c", 1, ct));
        Assert.Equal([2L, 3L], await ListAsync(reader, "c", ct));

        // Truncated by hand: the listing carries the new length (the engine's cached verification compares it).
        var dir = Path.Combine(_root, "c");
        await using (var file = new FileStream(SnapshotPath(dir, "c", 2), FileMode.Open, FileAccess.Write))
        {
            file.SetLength(7);
        }

        Assert.Equal(7, (await ListRefsAsync(reader, "c", ct)).Single(r => r.Sequence == 2).Length);

        // Moved to quarantine by hand: not listed, and its number still counts for the next append.
        Directory.CreateDirectory(Path.Combine(dir, ".quarantine"));
        File.Move(SnapshotPath(dir, "c", 3), Path.Combine(dir, ".quarantine", Path.GetFileName(SnapshotPath(dir, "c", 3))));
        Assert.Equal([2L], await ListAsync(reader, "c", ct));
        Assert.Equal(3, await reader.GetLatestSequenceAsync("c", ct));

        // A high-water mark written by hand.
        await File.WriteAllTextAsync(Path.Combine(dir, ".highwater"), "41", ct);
        Assert.Equal(41, await reader.GetLatestSequenceAsync("c", ct));
        Assert.Equal(42, await AppendAsync(reader, "c", ct));

        // A snapshot copied in by hand.
        File.Copy(SnapshotPath(dir, "c", 42), SnapshotPath(dir, "c", 50));
        Assert.Equal([2L, 42L, 50L], await ListAsync(reader, "c", ct));
        Assert.Equal(51, await AppendAsync(reader, "c", ct));

        // One pass in all (the stores of a process share the views): every change above came from notifications.
        Assert.Equal(1, writer.FolderPasses + reader.FolderPasses);
    }

    [Fact]
    public async Task List_FolderDeletedOrReplaced_ListsWhatIsThereNow()
    {
        SkipUnlessViewsWork();
        var ct = TestContext.Current.CancellationToken;
        var writer = Open();
        var reader = Open();
        await AppendAsync(writer, "r", ct);
        await AppendAsync(writer, "r", ct);
        Assert.Equal([1L, 2L], await ListAsync(reader, "r", ct));

        var dir = Path.Combine(_root, "r");
        Directory.Delete(dir, recursive: true);
        Assert.Empty(await ListAsync(reader, "r", ct));
        Assert.Equal(0, await reader.GetLatestSequenceAsync("r", ct));

        await AppendAsync(writer, "r", ct);
        Assert.Equal([1L], await ListAsync(reader, "r", ct));

        // Moved away and replaced by another folder at the same path: the view follows the path, not the old folder.
        Directory.Move(dir, dir + "-old");
        Directory.CreateDirectory(dir);
        File.Copy(SnapshotPath(dir + "-old", "r", 1), SnapshotPath(dir, "r", 9));
        Assert.Equal([9L], await ListAsync(reader, "r", ct));
        File.Delete(SnapshotPath(dir + "-old", "r", 1));
        Assert.Equal([9L], await ListAsync(reader, "r", ct));

        // A folder above the system folder replaced: the same.
        await WithRootReplacedAsync(dir, async () => Assert.Empty(await ListAsync(reader, "r", ct)));
    }

    [Fact]
    public async Task Append_AppliesTheNotificationsOfItsOwnChangesBeforeItReturns()
    {
        SkipUnlessViewsWork();
        var ct = TestContext.Current.CancellationToken;
        var sut = Open();
        await AppendAsync(sut, "n", ct);

        // A plain append: its temp file, write and rename are applied to the view by the append itself.
        await AppendAsync(sut, "n", ct);
        var applied = _views.AppliedNotifications;
        Assert.Equal(2, await sut.GetLatestSequenceAsync("n", ct));
        Assert.Equal(applied, _views.AppliedNotifications);

        // A pruning one: its rename to trash too; only the unlink of the trash, in the background, may come later.
        await sut.AppendAsync("n", null, seq => TestEnvelopes.Create("n", seq, "{}"), [1L], ct);
        applied = _views.AppliedNotifications;
        Assert.Equal([2L, 3L], await ListAsync(sut, "n", ct));
        Assert.InRange(_views.AppliedNotifications - applied, 0, 1);
        Assert.Equal(1, sut.FolderPasses);
    }

    [Fact]
    public async Task List_NotificationsLostInAnOverflow_ReadsTheFolderAgain()
    {
        SkipUnlessViewsWork();
        var ct = TestContext.Current.CancellationToken;
        var limit = int.Parse(File.ReadAllText("/proc/sys/fs/inotify/max_queued_events").Trim(), CultureInfo.InvariantCulture);
        Assert.SkipWhen(limit > 100_000, $"max_queued_events is {limit}: too many events to cause an overflow in a bounded test");
        var writer = Open();
        var reader = Open();
        await AppendAsync(writer, "o", ct);
        Assert.Equal([1L], await ListAsync(reader, "o", ct));

        // More notifications than the queue holds, then changes whose notifications are lost with them.
        var dir = Path.Combine(_root, "o");
        var noise = Path.Combine(dir, "noise");
        for (var i = 0; i <= limit / 2; i++)
        {
            await File.WriteAllBytesAsync(noise, [], ct);
            File.Delete(noise);
        }

        // Lost with them: the folder deleted and another made at its path (its inode number may even be the old one's).
        Directory.Delete(dir, recursive: true);
        await AppendAsync(writer, "o", ct);
        await AppendAsync(writer, "o", ct);
        Assert.True(await writer.DeleteAsync("o", 1, ct));
        Assert.Equal([2L], await ListAsync(reader, "o", ct));

        // And the new folder is the one watched from then on.
        await AppendAsync(writer, "o", ct);
        Assert.Equal([2L, 3L], await ListAsync(reader, "o", ct));
        Assert.Equal(2, writer.FolderPasses + reader.FolderPasses);
    }

    [Fact]
    public async Task Use_QueuedNotificationsThatFitOneRead_AreAppliedWithOneRead_MoreThanFitWithAsManyAsNeeded()
    {
        SkipUnlessViewsWork();
        var ct = TestContext.Current.CancellationToken;
        var writer = Open();
        var reader = Open();
        var dir = Path.Combine(_root, "q");
        await AppendAsync(writer, "q", ct);
        Assert.Equal([1L], await ListAsync(reader, "q", ct));

        // A few changes by hand: one read applies them all (a second would only have found the queue empty).
        await WriteByHandAsync(dir, "q", 2, "{}", ct);
        var reads = _views.QueueReads;
        Assert.Equal([1L, 2L], await ListAsync(reader, "q", ct));
        Assert.Equal(reads + 1, _views.QueueReads);

        // Nothing queued: one read, which finds nothing.
        Assert.Equal([1L, 2L], await ListAsync(reader, "q", ct));
        Assert.Equal(reads + 2, _views.QueueReads);

        // Far more than one read holds (the buffer is 16 KiB): read until the queue is empty, every one applied.
        for (var i = 3; i < 400; i++)
        {
            File.Copy(SnapshotPath(dir, "q", 1), SnapshotPath(dir, "q", i));
        }

        reads = _views.QueueReads;
        Assert.Equal(Enumerable.Range(1, 399).Select(i => (long)i), await ListAsync(reader, "q", ct));
        Assert.InRange(_views.QueueReads - reads, 3, 1000);
        Assert.Equal(1, writer.FolderPasses + reader.FolderPasses);
    }

    [Fact]
    public async Task LoadLatest_AfterASave_ReadsTheFileTheSaveKeptOpen_InEveryInstanceThatSharesTheViews()
    {
        SkipUnlessViewsWork();
        var ct = TestContext.Current.CancellationToken;
        var writer = Open();
        var reader = Open();
        var dir = Path.Combine(_root, "k");
        for (var i = 0; i < 3; i++)
        {
            await AppendAsync(writer, "k", ct);
        }

        var opened = _views.OpenedFiles;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(File.ReadAllBytes(SnapshotPath(dir, "k", 3)), await LatestAsync(writer, "k", 3, ct));
            Assert.Equal(File.ReadAllBytes(SnapshotPath(dir, "k", 3)), await LatestAsync(reader, "k", 3, ct));
        }

        Assert.Equal(opened, _views.OpenedFiles);
        Assert.Equal(3, writer.KeptReads);
        Assert.Equal(3, reader.KeptReads);

        // Written by hand, as another process would: opened once by the first load, then kept.
        await WriteByHandAsync(dir, "k", 4, "{\"by\":\"hand\"}", ct);
        Assert.Equal(File.ReadAllBytes(SnapshotPath(dir, "k", 4)), await LatestAsync(reader, "k", 4, ct));
        Assert.Equal(File.ReadAllBytes(SnapshotPath(dir, "k", 4)), await LatestAsync(writer, "k", 4, ct));
        Assert.Equal(opened + 1, _views.OpenedFiles);
        Assert.Equal(1, writer.FolderPasses + reader.FolderPasses);
    }

    [Fact]
    public async Task LoadLatest_NewestWrittenInPlaceReplacedOrDeleted_ReadsWhatItsNameHoldsNow()
    {
        SkipUnlessViewsWork();
        var ct = TestContext.Current.CancellationToken;
        var writer = Open();
        var reader = Open();
        var dir = Path.Combine(_root, "w");
        await AppendAsync(writer, "w", ct);
        await AppendAsync(writer, "w", ct);
        var path = SnapshotPath(dir, "w", 2);
        var original = File.ReadAllBytes(path);
        Assert.Equal(original, await LatestAsync(reader, "w", 2, ct));

        // One byte written in place (a flipped bit, as a torture run makes it): the load reads it, and the vault would see
        // the damage.
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.Position = original.Length - 2;
            stream.WriteByte((byte)(original[^2] ^ 0x04));
        }

        var flipped = File.ReadAllBytes(path);
        Assert.NotEqual(original, flipped);
        Assert.Equal(flipped, await LatestAsync(reader, "w", 2, ct));

        // Rewritten longer, then replaced by a rename over it.
        var longer = TestEnvelopes.Create("w", 2, "{\"longer\":\"" + new string('x', 500) + "\"}").ToArray();
        await File.WriteAllBytesAsync(path, longer, ct);
        Assert.Equal(longer, await LatestAsync(reader, "w", 2, ct));
        var renamed = TestEnvelopes.Create("w", 2, "{\"renamed\":true}").ToArray();
        await File.WriteAllBytesAsync(Path.Combine(dir, "other"), renamed, ct);
        File.Move(Path.Combine(dir, "other"), path, overwrite: true);
        Assert.Equal(renamed, await LatestAsync(reader, "w", 2, ct));

        // Deleted: the one before it.
        File.Delete(path);
        Assert.Equal(File.ReadAllBytes(SnapshotPath(dir, "w", 1)), await LatestAsync(reader, "w", 1, ct));

        // The folder moved away and another put at its path, then a folder above it: what the path holds now.
        Assert.Equal(2, await AppendAsync(writer, "w", ct));
        Assert.Equal(File.ReadAllBytes(SnapshotPath(dir, "w", 2)), await LatestAsync(reader, "w", 2, ct));
        Directory.Move(dir, dir + "-old");
        Directory.CreateDirectory(dir);
        File.Copy(SnapshotPath(dir + "-old", "w", 1), SnapshotPath(dir, "w", 7));
        Assert.Equal(File.ReadAllBytes(SnapshotPath(dir, "w", 7)), await LatestAsync(reader, "w", 7, ct));
        await WithRootReplacedAsync(dir, async () => Assert.Null(await reader.ReadLatestAsync("w", ct)));
    }

    [Fact]
    public async Task KeptFiles_ManySystems_AtMostSixtyFourStayOpen_AndNoneOnceTheirFoldersAreGone()
    {
        SkipUnlessViewsWork();
        var ct = TestContext.Current.CancellationToken;
        var sut = Open();
        for (var i = 0; i < 70; i++)
        {
            await AppendAsync(sut, "m" + i, ct);
            Assert.NotNull(await sut.ReadLatestAsync("m" + i, ct));
        }

        Assert.Equal(64, _views.KeptFiles);
        Assert.Equal(64, OpenDescriptorsUnder(_root));

        // Deleted with their folders: the next use of the views applies that and closes them.
        Directory.Delete(_root, recursive: true);
        Assert.Null(await sut.ReadLatestAsync("m0", ct));
        Assert.Equal(0, _views.KeptFiles);
        Assert.Equal(0, OpenDescriptorsUnder(_root));
    }

    private static async Task<byte[]?> LatestAsync(FileSnapshotStore store, string system, long expectedSequence, CancellationToken ct)
    {
        var latest = await store.ReadLatestAsync(system, ct);
        Assert.Equal(expectedSequence, latest?.Sequence);
        return latest?.Envelope;
    }

    /// <summary>This process's open descriptors of files under <paramref name="root"/> (deleted ones too).</summary>
    private static int OpenDescriptorsUnder(string root) =>
        new DirectoryInfo("/proc/self/fd").GetFileSystemInfos().Count(fd => fd.LinkTarget is { } target && target.StartsWith(root + "/", StringComparison.Ordinal));

    /// <summary>
    /// Moves the store's root away (a folder above the system folder <paramref name="dir"/> replaced), makes an empty
    /// <paramref name="dir"/> at the old path, and runs <paramref name="check"/>; the moved root is deleted after.
    /// </summary>
    private async Task WithRootReplacedAsync(string dir, Func<Task> check)
    {
        var moved = _root + "-moved";
        Directory.Move(_root, moved);
        try
        {
            Directory.CreateDirectory(dir);
            await check();
        }
        finally
        {
            Directory.Delete(moved, recursive: true);
        }
    }

    /// <summary>A snapshot put in the folder as another program would: a temp file, then a rename to its name.</summary>
    private static async Task WriteByHandAsync(string dir, string system, long sequence, string json, CancellationToken ct)
    {
        await File.WriteAllBytesAsync(Path.Combine(dir, "tmp"), TestEnvelopes.Create(system, sequence, json).ToArray(), ct);
        File.Move(Path.Combine(dir, "tmp"), SnapshotPath(dir, system, sequence));
    }

    private static string SnapshotPath(string dir, string system, long sequence) =>
        Path.Combine(dir, $"{system}-{sequence.ToString("D19", CultureInfo.InvariantCulture)}.svsnap");

    private static Task<long> AppendAsync(FileSnapshotStore store, string system, CancellationToken ct) =>
        store.AppendAsync(system, null, seq => TestEnvelopes.Create(system, seq, "{}"), ct);

    private static async Task<List<long>> ListAsync(FileSnapshotStore store, string system, CancellationToken ct) =>
        [.. (await ListRefsAsync(store, system, ct)).Select(r => r.Sequence)];

    private static async Task<List<StoredSnapshotRef>> ListRefsAsync(FileSnapshotStore store, string system, CancellationToken ct)
    {
        var refs = new List<StoredSnapshotRef>();
        await foreach (var item in store.ListAsync(system, ct))
        {
            refs.Add(item);
        }

        return refs;
    }

    private static void SkipUnlessViewsWork() =>
        Assert.SkipUnless(OperatingSystem.IsLinux(), "folder views use Linux inotify; elsewhere every use reads the folder");

    private FileSnapshotStore Open(bool watch = true)
    {
        var options = new FileSnapshotStoreOptions { RootPath = _root, WatchFolders = watch };
        var store = watch ? new FileSnapshotStore(options, _views) : new FileSnapshotStore(options);
        _stores.Add(store);
        return store;
    }
}
