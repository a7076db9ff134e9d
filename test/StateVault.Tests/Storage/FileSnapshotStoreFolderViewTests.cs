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
        var root2 = _root + "-moved";
        Directory.Move(_root, root2);
        try
        {
            Directory.CreateDirectory(dir);
            Assert.Empty(await ListAsync(reader, "r", ct));
        }
        finally
        {
            Directory.Delete(root2, recursive: true);
        }
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
