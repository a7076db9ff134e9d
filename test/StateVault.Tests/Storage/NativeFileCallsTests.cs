using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.Tests.Storage;

/// <summary>
/// The file store's own file calls on Linux (a rename that refuses to replace, a whole-file read without flock) keep what
/// .NET's calls promise, and do not depend on locks other programs take on snapshot files.
/// </summary>
public sealed class NativeFileCallsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public NativeFileCallsTests() => Directory.CreateDirectory(_dir.Path);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Move_WithoutOverwrite_RenamesTheFile()
    {
        var source = Write("source", "new");
        var destination = Path.Combine(_dir.Path, "destination");

        FileSystemOps.Real.Move(source, destination, overwrite: false);

        Assert.False(File.Exists(source));
        Assert.Equal("new", File.ReadAllText(destination));
    }

    [Fact]
    public void Move_WithoutOverwrite_OntoAnExistingFile_FailsAndLeavesBoth()
    {
        var source = Write("source", "new");
        var destination = Write("destination", "old");

        Assert.Throws<IOException>(() => FileSystemOps.Real.Move(source, destination, overwrite: false));

        Assert.Equal("new", File.ReadAllText(source));
        Assert.Equal("old", File.ReadAllText(destination));
    }

    [Fact]
    public void Move_WithoutOverwrite_MissingSource_IsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => FileSystemOps.Real.Move(Path.Combine(_dir.Path, "absent"), Path.Combine(_dir.Path, "destination"), overwrite: false));
    }

    [Fact]
    public void Move_WithoutOverwrite_IntoAMissingFolder_IsDirectoryNotFoundAndKeepsTheSource()
    {
        var source = Write("source", "new");

        Assert.Throws<DirectoryNotFoundException>(() => FileSystemOps.Real.Move(source, Path.Combine(_dir.Path, "no-such-folder", "destination"), overwrite: false));

        Assert.Equal("new", File.ReadAllText(source));
    }

    [Fact]
    public void Move_WithoutOverwrite_TwoMovesRacingOntoOneName_OneFailsAndNeitherReplacesTheOther()
    {
        // Where the check for the destination and the rename are one call, two moves onto one name cannot both succeed
        // (with a check before the rename, the later rename silently replaces the earlier one's file).
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the rename that refuses to replace is Linux only; elsewhere .NET checks first");
        const int Rounds = 300;
        var bothMoved = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var destination = Path.Combine(_dir.Path, $"race-{round}");
            var sources = new[] { Write($"a-{round}", "a"), Write($"b-{round}", "b") };
            var moved = new bool[2];
            using var start = new Barrier(2);
            var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
            {
                start.SignalAndWait(Ct);
                try
                {
                    FileSystemOps.Real.Move(sources[i], destination, overwrite: false);
                    moved[i] = true;
                }
                catch (IOException)
                {
                    // The other one was first.
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            Assert.Contains(true, moved);
            bothMoved += moved.All(m => m) ? 1 : 0;
        }

        Assert.Equal(0, bothMoved);
    }

    [Fact]
    public void Move_WithOverwrite_ReplacesTheDestination()
    {
        var source = Write("source", "new");
        var destination = Write("destination", "old");

        FileSystemOps.Real.Move(source, destination, overwrite: true);

        Assert.Equal("new", File.ReadAllText(destination));
    }

    [Fact]
    public void TryReadFile_ReadsTheWholeFile_SaysWhenItIsAbsent_AndReadsNothingOfOneTooLarge()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.Is64BitProcess, "the direct read is Linux (64-bit) only; elsewhere the store reads through FileStream");
        var path = Write("snapshot", "0123456789");

        Assert.True(NativeMethods.TryReadFile(path, 100, static n => new byte[n], out var whole));
        Assert.True(whole.Found);
        Assert.Equal(10, whole.Length);
        Assert.Equal("0123456789"u8.ToArray(), whole.Buffer.AsSpan(0, whole.Read).ToArray());

        Assert.True(NativeMethods.TryReadFile(Path.Combine(_dir.Path, "absent"), 100, static n => new byte[n], out var absent));
        Assert.False(absent.Found);
        Assert.Null(absent.Buffer);

        var allocated = false;
        Assert.True(NativeMethods.TryReadFile(path, 9, n => { allocated = true; return new byte[n]; }, out var large));
        Assert.True(large.Found);
        Assert.Null(large.Buffer);
        Assert.Equal(10, large.Length);
        Assert.False(allocated);
    }

    [Fact]
    public void TryReadFile_OfAFolder_IsDenied()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.Is64BitProcess, "the direct read is Linux (64-bit) only; elsewhere the store reads through FileStream");
        var folder = Directory.CreateDirectory(Path.Combine(_dir.Path, "folder")).FullName;

        Assert.Throws<UnauthorizedAccessException>(() => NativeMethods.TryReadFile(folder, 100, static n => new byte[n], out _));
    }

    [Fact]
    public async Task Read_OfASnapshotAnotherProgramHoldsAnExclusiveLockOn_StillReadsIt()
    {
        // A backup or scanning tool that opens a snapshot exclusively (here: a FileStream with FileShare.None, which on
        // Unix takes flock LOCK_EX) must not make loads fail: snapshots are never written in place, so the lock guards nothing.
        var root = _dir.Store;
        await using var store = FileSnapshotStoreProvider.Create(root);
        var sequence = await store.AppendAsync("locked", null, seq => TestEnvelopes.Create("locked", seq, "{\"a\":1}"), Ct);
        var path = Directory.GetFiles(Path.Combine(root, "locked"), "*.svsnap").Single();
        var expected = await File.ReadAllBytesAsync(path, Ct);

        using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None))
        {
            Assert.Equal(expected, await store.ReadAsync("locked", sequence, Ct));
        }
    }

    [Fact]
    public async Task ReadChunk_OfAChunkAnotherProgramHoldsAnExclusiveLockOn_StillReadsIt()
    {
        await using var store = (ISnapshotStoreWithChunks)FileSnapshotStoreProvider.Create(_dir.Store);
        var content = "{\"chunk\":1}"u8.ToArray();
        var id = StateVault.Envelope.ChunkFrame.IdOf(content);
        var framed = StateVault.Envelope.ChunkFrame.Encode("identity", content);
        await store.PutChunkAsync("locked", id, framed, Ct);
        var path = Directory.GetFiles(Path.Combine(_dir.Store, "locked"), id, SearchOption.AllDirectories).Single();

        using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None))
        {
            var chunk = await store.ReadChunkAsync("locked", id, Ct);

            Assert.NotNull(chunk);
            Assert.Equal(framed, chunk.Data);
            Assert.Equal(new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero), chunk.StoredUtc);
        }

        Assert.Null(await store.ReadChunkAsync("locked", StateVault.Envelope.ChunkFrame.IdOf("{}"u8.ToArray()), Ct));
    }

    [Fact]
    public async Task Append_WhileAnotherProgramHoldsAnExclusiveLockOnTheHighWaterMark_StillTakesTheNumberAfterIt()
    {
        await using var store = FileSnapshotStoreProvider.Create(_dir.Store);
        for (var i = 0; i < 3; i++)
        {
            await store.AppendAsync("marked", null, seq => TestEnvelopes.Create("marked", seq, "{}"), Ct);
        }

        Assert.True(await store.DeleteAsync("marked", 3, Ct)); // the newest: its number is kept in the high-water mark
        var mark = Path.Combine(_dir.Store, "marked", ".highwater");
        Assert.True(File.Exists(mark));

        long sequence;
        using (new FileStream(mark, FileMode.Open, FileAccess.Read, FileShare.None))
        {
            sequence = await store.AppendAsync("marked", null, seq => TestEnvelopes.Create("marked", seq, "{}"), Ct);
        }

        Assert.Equal(4, sequence);
    }

    [Fact]
    public async Task Read_OfAFolderInASnapshotsPlace_IsANonTransientStoreError()
    {
        var root = _dir.Store;
        await using var store = FileSnapshotStoreProvider.Create(root);
        await store.AppendAsync("odd", null, seq => TestEnvelopes.Create("odd", seq, "{}"), Ct);
        var path = Directory.GetFiles(Path.Combine(root, "odd"), "*.svsnap").Single();
        File.Delete(path);
        Directory.CreateDirectory(path);

        var ex = await Assert.ThrowsAsync<SnapshotStoreException>(() => store.ReadAsync("odd", 1, Ct));

        Assert.False(ex.IsTransient);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, text);
        return path;
    }
}
