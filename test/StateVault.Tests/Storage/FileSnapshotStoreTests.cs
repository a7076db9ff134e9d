using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.Tests.Storage;

public sealed class FileSnapshotStoreTests : SnapshotStoreConformanceTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sv-file-" + Guid.NewGuid().ToString("N"));

    protected override Task<ISnapshotStore> CreateStoreAsync() => Task.FromResult(FileSnapshotStoreProvider.Create(_root));

    protected override Task<ISnapshotStore?> CreateSecondInstanceAsync() => Task.FromResult<ISnapshotStore?>(FileSnapshotStoreProvider.Create(_root));

    protected override async Task TamperAsync(string system, long sequence, Func<byte[], byte[]> tamper)
    {
        var path = Directory.GetFiles(Path.Combine(_root, system), $"*{sequence:D19}.svsnap").Single();
        await File.WriteAllBytesAsync(path, tamper(await File.ReadAllBytesAsync(path)));
    }

    [Fact]
    public async Task Delete_RenamesAtOnceAndUnlinksInTheBackground_NothingLeftAfterDispose()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = Path.Combine(_root, "trash-case");
        var sut = FileSnapshotStoreProvider.Create(root);
        for (var i = 0; i < 4; i++)
        {
            await sut.AppendAsync("t", null, seq => TestEnvelopes.Create("t", seq, "{}"), ct);
        }

        var dir = Path.Combine(root, "t");
        // A deleted snapshot that a crashed process renamed away but never unlinked.
        await File.WriteAllTextAsync(Path.Combine(dir, ".trash-t-0000000000000000099.svsnap-0123"), "old", ct);

        Assert.True(await sut.DeleteAsync("t", 1, ct));
        Assert.True(await sut.DeleteAsync("t", 2, ct));

        Assert.Null(await sut.ReadAsync("t", 1, ct));
        var listed = new List<long>();
        await foreach (var item in sut.ListAsync("t", ct))
        {
            listed.Add(item.Sequence);
        }

        Assert.Equal([3L, 4L], listed);
        await sut.DisposeAsync();
        Assert.Empty(Directory.GetFiles(dir, ".trash-*"));
        Assert.Equal(["t-0000000000000000003.svsnap", "t-0000000000000000004.svsnap"], Directory.GetFiles(dir, "*.svsnap").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Append_LeftoverTempFiles_AreRemovedAndNeverListed()
    {
        var ct = TestContext.Current.CancellationToken;
        await Sut.AppendAsync("l", null, seq => TestEnvelopes.Create("l", seq, "{}"), ct);
        var dir = Path.Combine(_root, "l");
        await File.WriteAllTextAsync(Path.Combine(dir, ".tmp-l-0000000000000000002.svsnap-abc"), "SVSNAP/1 torn", ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "l-0000000000000000002.svsnap.partial"), "not a snapshot name", ct);

        var listed = new List<long>();
        await foreach (var item in Sut.ListAsync("l", ct))
        {
            listed.Add(item.Sequence);
        }

        Assert.Equal([1L], listed);
        Assert.Equal(2, await Sut.AppendAsync("l", null, seq => TestEnvelopes.Create("l", seq, "{}"), ct));
        Assert.Empty(Directory.GetFiles(dir, ".tmp-*"));
    }

    [Fact]
    public async Task Open_TrashLeftByKilledProcesses_IsRemovedWithoutAnyDelete()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = Path.Combine(_root, "trash-open");
        var first = FileSnapshotStoreProvider.Create(root);
        await first.AppendAsync("a", null, seq => TestEnvelopes.Create("a", seq, "{}"), ct);
        await first.AppendAsync("b", null, seq => TestEnvelopes.Create("b", seq, "{}"), ct);
        await first.DisposeAsync();
        foreach (var system in new[] { "a", "b" })
        {
            for (var i = 0; i < 50; i++)
            {
                await File.WriteAllTextAsync(Path.Combine(root, system, $".trash-{system}-{i:D19}.svsnap-{i:x8}"), "old", ct);
            }
        }

        var sut = FileSnapshotStoreProvider.Create(root);

        await Eventually.TrueAsync(() => Directory.GetFiles(root, ".trash-*", SearchOption.AllDirectories).Length == 0, "trash removed after the store was opened");
        await sut.DisposeAsync();
        Assert.Single(Directory.GetFiles(Path.Combine(root, "a"), "*.svsnap"));
    }

    [Fact]
    public async Task List_TrashAppearingWhileOpen_IsRemoved()
    {
        var ct = TestContext.Current.CancellationToken;
        await Sut.AppendAsync("c", null, seq => TestEnvelopes.Create("c", seq, "{}"), ct);
        await Eventually.TrueAsync(() => Directory.GetFiles(_root, ".trash-*", SearchOption.AllDirectories).Length == 0, "nothing to clean at open");
        var trash = Path.Combine(_root, "c", ".trash-c-0000000000000000007.svsnap-dead");
        await File.WriteAllTextAsync(trash, "left by another process that was killed", ct);

        await foreach (var unused in Sut.ListAsync("c", ct))
        {
        }

        await Eventually.TrueAsync(() => !File.Exists(trash), "trash removed after a listing (every load lists)");
    }

    [Fact]
    public async Task Import_SequenceAboveTheBound_IsRefusedAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Sut.ImportAsync("big", long.MaxValue, TestEnvelopes.Create("big", long.MaxValue, "{}"), ct));

        Assert.False(Directory.Exists(Path.Combine(_root, "big")) && Directory.GetFiles(Path.Combine(_root, "big"), "*.svsnap").Length > 0);
    }

    /// <summary>A store in its own folder under the test's root, reading no snapshot larger than <paramref name="maxSnapshotBytes"/>.</summary>
    private ISnapshotStore WithMaxSnapshotBytes(string folder, long maxSnapshotBytes) =>
        FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = Path.Combine(_root, folder), MaxSnapshotBytes = maxSnapshotBytes });

    [Fact]
    public async Task Import_LargerThanTheStoreReads_IsRefusedAndWritesNothing()
    {
        // Written, it would be a file every read reports as damage and quarantines: refused instead, as bad input.
        var ct = TestContext.Current.CancellationToken;
        await using (var sut = WithMaxSnapshotBytes("small-case", 1024))
        {
            var envelope = TestEnvelopes.Create("small", 1, "\"" + new string('x', 2048) + "\"");

            var ex = await Assert.ThrowsAsync<ArgumentException>(() => sut.ImportAsync("small", 1, envelope, ct));

            Assert.Contains("1024", ex.Message, StringComparison.Ordinal);
            Assert.Null(await sut.ReadAsync("small", 1, ct));
            Assert.True(await sut.ImportAsync("small", 1, TestEnvelopes.Create("small", 1, "{}"), ct));
        }
    }

    [Fact]
    public async Task ReadRented_ReturnsWhatReadReturns_NullWhenAbsent_AndDamageWhenLargerThanTheStoreReads()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var sut = WithMaxSnapshotBytes("rented-case", 4096))
        {
            var rented = (ISnapshotStoreWithRentedRead)sut;
            // Lengths the pool rounds up (it hands out powers of two): only the bytes read may count.
            foreach (var length in new[] { 3, 1000, 2049 })
            {
                var envelope = TestEnvelopes.Create("r", length, "\"" + new string('x', length) + "\"");
                await sut.ImportAsync("r", length, envelope, ct);
                using var read = (await rented.ReadRentedAsync("r", length, ct))!.Value;
                Assert.Equal(await sut.ReadAsync("r", length, ct), read.Memory.ToArray());
            }

            Assert.Null(await rented.ReadRentedAsync("r", 99, ct));
            Assert.Null(await rented.ReadRentedAsync("nobody", 1, ct));
            File.WriteAllBytes(Path.Combine(_root, "rented-case", "r", $"r-{5000:D19}.svsnap"), new byte[5000]);
            await Assert.ThrowsAsync<SnapshotCorruptedException>(() => rented.ReadRentedAsync("r", 5000, ct));
        }
    }

    [Fact]
    public async Task Append_AfterTheHighestSequence_IsRefusedAndNeverWraps()
    {
        var ct = TestContext.Current.CancellationToken;
        const long Highest = 9_007_199_254_740_991; // SnapshotSequence.MaxValue
        Assert.True(await Sut.ImportAsync("top", Highest, TestEnvelopes.Create("top", Highest, "{}"), ct));

        var ex = await Assert.ThrowsAsync<SnapshotSequenceExhaustedException>(() => Sut.AppendAsync("top", null, seq => TestEnvelopes.Create("top", seq, "{}"), ct));

        Assert.Contains("highest sequence", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IsTransient);
        Assert.Equal([$"top-{Highest:D19}.svsnap"], Directory.GetFiles(Path.Combine(_root, "top"), "*.svsnap").Select(Path.GetFileName));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>
    /// Listing while another process's retention removes snapshots: a file listed by name but gone before its size was read
    /// is left out, never a <see cref="FileNotFoundException"/> (which the server turned into a 500 on <c>snapshots/latest</c>).
    /// </summary>
    [Fact]
    public async Task ListAsync_WhileAnotherProcessDeletesSnapshots_NeverThrows()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = Path.Combine(_root, "vanish-case");
        var dir = Path.Combine(root, "v");
        Directory.CreateDirectory(dir);
        // Many names, so a listing reads the folder in several batches and sizes are looked up long after the names.
        const int Count = 1500;
        var paths = Enumerable.Range(1, Count).Select(i => Path.Combine(dir, $"v-{i:D19}.svsnap")).ToArray();
        foreach (var path in paths)
        {
            File.WriteAllBytes(path, [0x78]);
        }

        await using var sut = FileSnapshotStoreProvider.Create(root);
        // The other process: removes every snapshot in an order unrelated to the folder's, as fast as it can.
        var deleter = Task.Run(
            () =>
            {
                foreach (var path in paths.OrderBy(p => p.GetHashCode()))
                {
                    File.Delete(path);
                }
            },
            ct);

        var listings = 0;
        do
        {
            await foreach (var item in sut.ListAsync("v", ct))
            {
                Assert.InRange(item.Sequence, 1, Count);
            }

            listings++;
        }
        while (!deleter.IsCompleted);

        await deleter;
        Assert.True(listings > 0);
        await foreach (var item in sut.ListAsync("v", ct))
        {
            Assert.Fail($"snapshot {item.Sequence} is still listed after it was deleted");
        }
    }

    [Fact]
    public async Task ReadChunk_LeftUnderATrashNameByAKilledCollection_IsPutBackAndRead()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = Path.Combine(_root, "trashed-chunk");
        await using var sut = (ISnapshotStoreWithChunks)FileSnapshotStoreProvider.Create(root);
        var content = "{\"kept\":true}"u8.ToArray();
        var id = StateVault.Envelope.ChunkFrame.IdOf(content);
        var framed = StateVault.Envelope.ChunkFrame.Encode("identity", content);
        await sut.PutChunkAsync("s", id, framed, ct);
        var path = Path.Combine(root, "s", ".chunks", id[..2], id);
        // What a collection killed between its rename to trash and its decision leaves behind.
        File.Move(path, Path.Combine(root, "s", ".chunks", id[..2], $".trash-{id}-0123456789abcdef"));

        var chunk = await sut.ReadChunkAsync("s", id, ct);

        Assert.NotNull(chunk);
        Assert.Equal(framed, chunk.Data);
        Assert.True(File.Exists(path));
        Assert.Null(await sut.ReadChunkAsync("s", StateVault.Envelope.ChunkFrame.IdOf("{}"u8.ToArray()), ct));
    }

    [Fact]
    public async Task ListChunks_TempFileOlderThanAnHourOnTheStoresClock_IsRemoved()
    {
        var root = Path.Combine(_root, "stale-temp");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sut = (ISnapshotStoreWithChunks)new FileSnapshotStoreProvider().Open("file:" + root, NullLoggerFactory.Instance, clock);
        var content = "{}"u8.ToArray();
        var id = StateVault.Envelope.ChunkFrame.IdOf(content);
        await sut.PutChunkAsync("s", id, StateVault.Envelope.ChunkFrame.Encode("identity", content), TestContext.Current.CancellationToken);
        var temp = Path.Combine(root, "s", ".chunks", id[..2], ".tmp-left-by-a-killed-put");
        await File.WriteAllBytesAsync(temp, [1, 2, 3], TestContext.Current.CancellationToken);

        await foreach (var _ in sut.ListChunksAsync("s", TestContext.Current.CancellationToken))
        {
        }

        Assert.True(File.Exists(temp), "a fresh temp file may belong to a put in progress");
        clock.Advance(TimeSpan.FromHours(2));
        await foreach (var _ in sut.ListChunksAsync("s", TestContext.Current.CancellationToken))
        {
        }

        Assert.False(File.Exists(temp));
    }
}
