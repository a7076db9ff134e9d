using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using StateVault.Codecs;

namespace StateVault.Storage;

/// <summary>
/// The embedded default store: <c>&lt;root&gt;/&lt;system&gt;/&lt;system&gt;-&lt;sequence, 19 digits&gt;.svsnap</c>.
/// Names sort in sequence order; temporary, lock and deleted-but-not-yet-unlinked (<c>.trash-</c>) files start with
/// <c>.</c>; damaged snapshots are moved to <c>&lt;root&gt;/&lt;system&gt;/.quarantine/</c>.
/// </summary>
/// <remarks>
/// Sequence allocation and the write happen under a per-system lock: a semaphore inside the process and an exclusive
/// <c>flock</c> on <c>&lt;system&gt;/.lock</c> across processes, so two processes never take the same number.
/// </remarks>
internal sealed partial class FileSnapshotStore : ISnapshotStoreWithPruningAppend, ISnapshotStoreWithChunks, ISnapshotStoreWithRentedRead, ISnapshotStoreWithLatestRead
{
    internal const string Extension = ".svsnap";
    private const string LockFileName = ".lock";
    private const string HighWaterFileName = ".highwater";
    private const string TempPrefix = ".tmp-";
    private const string TrashPrefix = ".trash-";
    internal const string QuarantineFolder = ".quarantine";

    // Trash removal is background work that never holds up a save; still, each pass is bounded so a folder with a huge
    // pile (thousands of kills) cannot keep a thread busy for long: what is left is taken up by the next pass.
    private const int TrashFilesPerPass = 10_000;

    // Up to this size a snapshot is read on the caller's thread (microseconds from the page cache).
    private const int SyncReadMaxBytes = 1024 * 1024;

    // From this size a pruned snapshot always goes to trash: freeing its blocks takes milliseconds.
    private const long TrashFromBytes = 1024 * 1024;
    private static readonly TimeSpan s_trashTimePerPass = TimeSpan.FromSeconds(10);

    // Hidden (dot) files are the store's own: trash, temporary files, the quarantine folder and the high-water mark.
    private static readonly EnumerationOptions s_scanOptions = new() { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };

    private readonly string _root;
    private readonly bool _durable;
    private readonly long _maxSnapshotBytes;
    private readonly FileSystemOps _fs;

    // Compared with file modification times (stale chunk temp files), so a test's fake clock must start at the real time.
    private readonly TimeProvider _time;
    private readonly FolderViews? _views;
    private long _folderPasses;
    private long _keptReads;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _knownLatest = new(StringComparer.Ordinal);
    private int _appendsInFlight;
    private readonly Lock _trashGate = new();
    private readonly HashSet<string> _trashDirectories = new(StringComparer.Ordinal);
    private readonly List<string> _trashFiles = [];
    private readonly HashSet<string> _ownTrash = new(StringComparer.Ordinal);
    private bool _removingTrash;
    private Task _trashRemoval = Task.CompletedTask;

    public FileSnapshotStore(FileSnapshotStoreOptions options, TimeProvider? timeProvider = null)
        : this(options, FileSystemOps.Real, timeProvider)
    {
    }

    /// <summary>A store with folder views of its own (tests: kept apart from the views every other store shares).</summary>
    internal FileSnapshotStore(FileSnapshotStoreOptions options, FolderViews views)
        : this(options, FileSystemOps.Real)
    {
        _views = views;
    }

    internal FileSnapshotStore(FileSnapshotStoreOptions options, FileSystemOps fileSystem, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.RootPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSnapshotBytes, 1);
        _root = Path.GetFullPath(options.RootPath);
        _durable = options.Durable;
        _maxSnapshotBytes = options.MaxSnapshotBytes;
        _fs = fileSystem;
        _time = timeProvider ?? TimeProvider.System;
        _views = options.WatchFolders ? FolderViews.Shared : null;

        // Trash a killed process left between its rename and its unlink: removed in the background from the start,
        // not only after the next delete in the same folder.
        lock (_trashGate)
        {
            _removingTrash = true;
            _trashRemoval = Task.Run(() =>
            {
                SweepRootForTrash();
                RemoveTrash();
            });
        }
    }

    public string Kind => "file";

    public string RootPath => _root;

    public SnapshotStoreCapabilities Capabilities { get; } = new(SupportsMultipleProcesses: true, SupportsQuarantine: true, SupportsLargePayloads: true) { CompressionPays = false };

    public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, CancellationToken cancellationToken) =>
        AppendAsync(system, expectedLatestSequence, createEnvelope, [], cancellationToken);

    public Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, IReadOnlyCollection<long> deleteOlder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deleteOlder);
        return AppendAsync(system, expectedLatestSequence, createEnvelope, _ => Task.FromResult(deleteOlder), cancellationToken);
    }

    /// <summary>
    /// Appends, then (after the fsyncs, under the same lock) asks <paramref name="deleteOlder"/> what retention removes and
    /// deletes it: the engine's re-check of the snapshots it keeps runs while this writes and flushes.
    /// </summary>
    public async Task<long> AppendAsync(string system, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, Func<CancellationToken, Task<IReadOnlyCollection<long>>> deleteOlder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(createEnvelope);
        ArgumentNullException.ThrowIfNull(deleteOlder);
        var dir = SystemDirectory(system);
        Interlocked.Increment(ref _appendsInFlight);
        try
        {
            return await AppendCoreAsync(system, dir, expectedLatestSequence, createEnvelope, deleteOlder, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _appendsInFlight);
        }
    }

    private async Task<long> AppendCoreAsync(string system, string dir, long? expectedLatestSequence, Func<long, EnvelopeBytes> createEnvelope, Func<CancellationToken, Task<IReadOnlyCollection<long>>> deleteOlder, CancellationToken cancellationToken)
    {
        return await WithSystemLockAsync(system, dir, async () =>
        {
            var latest = LatestSequence(dir, cleanTemporaryFiles: true);
            if (expectedLatestSequence is { } expected && expected != latest)
            {
                throw new SnapshotConcurrencyException(system, expected, latest);
            }

            // Never past the bound, never wrapped to a negative number.
            var sequence = SnapshotSequence.Next(system, latest);
            WriteDurably(dir, FinalPath(dir, system, sequence), createEnvelope(sequence), cancellationToken);
            NoteLatest(system, sequence);

            // The snapshot is durable and the append's result from here on: what retention asks for is best effort.
            IReadOnlyCollection<long> olderToDelete;
            try
            {
                olderToDelete = await deleteOlder(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The caller learns of its own failure from the same task; a prune left undone is redone by the next one.
                return sequence;
            }

            // Retention's deletes, under the lock this append already holds and only after its fsyncs: a crash in between
            // leaves a prune undone (the next one redoes it), never a deletion without the snapshot that replaced it. The
            // new file is the newest, so no high-water mark is needed for any of them.
            var unlinkInPlace = Volatile.Read(ref _appendsInFlight) > 1;
            foreach (var old in olderToDelete)
            {
                if (old < sequence)
                {
                    DeleteFileAfterAppend(dir, FinalPath(dir, system, old), unlinkInPlace);
                }
            }

            if (!unlinkInPlace)
            {
                // Alone: this append's own notifications are applied now, while what they touched is cached, and the new file
                // is kept open for the next load of the newest. With other appends under way, the next of them applies them
                // soon anyway, and the views' one lock is left to them.
                _views?.KeepNewest(dir, sequence);
            }

            return sequence;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> ImportAsync(string system, long sequence, EnvelopeBytes envelope, CancellationToken cancellationToken)
    {
        SnapshotSequence.Validate(sequence);
        if (envelope.Length > _maxSnapshotBytes)
        {
            // Written, it would be a file every read reports as damage (see ReadAsync) and quarantines.
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The envelope for {system}#{sequence} is {envelope.Length} bytes, larger than the largest snapshot this store reads ({_maxSnapshotBytes} bytes, MaxSnapshotBytes); nothing was written."),
                nameof(envelope));
        }

        var dir = SystemDirectory(system);
        return await WithSystemLockAsync(system, dir, () =>
        {
            CleanTemporaryFiles(dir);
            var path = FinalPath(dir, system, sequence);
            if (File.Exists(path) || File.Exists(QuarantinePath(dir, system, sequence)))
            {
                return Task.FromResult(false);
            }

            WriteDurably(dir, path, envelope, cancellationToken);
            NoteLatest(system, sequence);
            return Task.FromResult(true);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<byte[]?> ReadAsync(string system, long sequence, CancellationToken cancellationToken) =>
        await ReadCoreAsync(system, sequence, static length => new byte[length], cancellationToken).ConfigureAwait(false) is var (bytes, length)
            ? (length == bytes.Length ? bytes : bytes.AsSpan(0, length).ToArray())
            : null;

    public async Task<SnapshotCodecs.PooledPayload?> ReadRentedAsync(string system, long sequence, CancellationToken cancellationToken) =>
        await ReadCoreAsync(system, sequence, static length => ArrayPool<byte>.Shared.Rent(length), cancellationToken).ConfigureAwait(false) is var (buffer, length)
            ? new SnapshotCodecs.PooledPayload(buffer.AsMemory(0, length), buffer)
            : null;

    /// <summary>
    /// Reads snapshot <paramref name="sequence"/> into a buffer from <paramref name="allocate"/> (given the file's length):
    /// the buffer and the bytes read into it, fewer than the file's length if it shrank while being read; null when absent.
    /// </summary>
    private async Task<(byte[] Buffer, int Length)?> ReadCoreAsync(string system, long sequence, Func<int, byte[]> allocate, CancellationToken cancellationToken)
    {
        var path = FinalPath(SystemDirectory(system), system, sequence);
        try
        {
            // Linux: open, statx, pread and close, with no flock calls around them (a FileStream takes and drops a shared
            // flock on every open). A file larger than a read on the caller's thread is read below, asynchronously, and
            // one larger than any snapshot is reported as damage there.
            if (NativeMethods.TryReadFile(path, Math.Min(_maxSnapshotBytes, SyncReadMaxBytes), allocate, out var direct))
            {
                if (!direct.Found)
                {
                    return null;
                }

                if (direct.Buffer is { } buffer)
                {
                    return (buffer, direct.Read);
                }
            }

            // Not FileOptions.Asynchronous: on Linux that only moves each read to the thread pool, a wake-up that on a
            // busy machine takes longer than reading a small snapshot from the page cache. Large ones still read async below.
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.None);
            await using (stream.ConfigureAwait(false))
            {
                // Memory is bounded by the limit, never by what a file (or a crafted header in it) claims: a file larger
                // than any snapshot this store writes is damage, quarantined and fallen back from like a flipped bit.
                var length = stream.Length;
                if (length > _maxSnapshotBytes)
                {
                    throw new SnapshotCorruptedException(system, sequence, string.Create(CultureInfo.InvariantCulture, $"the file is {length} bytes, larger than the largest snapshot this store reads ({_maxSnapshotBytes} bytes)"));
                }

                var bytes = allocate(checked((int)length));
                var total = 0;
                while (total < length)
                {
                    var read = length <= SyncReadMaxBytes
                        ? stream.Read(bytes.AsSpan(total, (int)length - total))
                        : await stream.ReadAsync(bytes.AsMemory(total, (int)length - total), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        // Shrank while being read: a snapshot file never changes, so return what is there and let the
                        // checksum say it is torn.
                        break;
                    }

                    total += read;
                }

                return (bytes, total);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException ex)
        {
            throw new SnapshotStoreException($"Reading snapshot {sequence} of '{system}' failed: {ex.Message}", isTransient: false, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SnapshotStoreException($"Reading snapshot {sequence} of '{system}' was denied: {ex.Message}", isTransient: false, ex);
        }
    }

    public async IAsyncEnumerable<StoredSnapshotRef> ListAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var dir = SystemDirectory(system);
        var scan = ReadFolder(dir, system, snapshotLengths: true);
        RemoveForeignTrash(dir, scan);
        var refs = scan.Snapshots;
        refs.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        foreach (var item in refs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public async Task<LatestSnapshot?> ReadLatestAsync(string system, CancellationToken cancellationToken)
    {
        var dir = SystemDirectory(system);
        FolderScan scan;
        if (_views is { } views && views.TryReadLatest(dir, system, out scan, out var passed, out var kept))
        {
            CountPass(passed);
            RemoveForeignTrash(dir, scan);
            if (kept is not null && ReadKept(kept) is { } bytes)
            {
                return new LatestSnapshot(scan.Latest, bytes);
            }
        }
        else
        {
            scan = ReadFolder(dir, system, snapshotLengths: false);
            RemoveForeignTrash(dir, scan);
        }

        if (scan.Latest == 0)
        {
            return null;
        }

        // Deleted since the look-up: null, and the caller lists.
        return await ReadAsync(system, scan.Latest, cancellationToken).ConfigureAwait(false) is { } envelope
            ? new LatestSnapshot(scan.Latest, envelope)
            : null;
    }

    /// <summary>
    /// A listing or a load's look-up of the folder also finds trash (every load does one: trash another process left behind,
    /// killed between its rename and its unlink, is removed from here too, in the background). Trash this store renamed and
    /// has not unlinked yet is left out: a load just after a save needs no pass over the folder for it.
    /// </summary>
    private void RemoveForeignTrash(string dir, FolderScan scan)
    {
        if (scan.Trash is { } trash)
        {
            lock (_trashGate)
            {
                if (!trash.TrueForAll(name => _ownTrash.Contains(Path.Combine(dir, name))))
                {
                    _trashDirectories.Add(dir);
                    StartTrashRemoval();
                }
            }
        }
    }

    public Task<long> GetLatestSequenceAsync(string system, CancellationToken cancellationToken)
    {
        var dir = SystemDirectory(system);
        return Task.FromResult(LatestSequence(dir));
    }

    public async Task<bool> DeleteAsync(string system, long sequence, CancellationToken cancellationToken)
    {
        var dir = SystemDirectory(system);
        if (!Directory.Exists(dir))
        {
            return false;
        }

        return await WithSystemLockAsync(system, dir, () =>
        {
            var path = FinalPath(dir, system, sequence);
            if (!File.Exists(path))
            {
                return Task.FromResult(false);
            }

            try
            {
                // Record the high-water mark first: the newest file is what sequence allocation counts from,
                // so deleting it without this would let the next append reuse its number. (Retention deletes old
                // snapshots: when this process has seen a newer one, the directory need not be scanned.)
                if (!IsKnownOlderThanLatest(system, sequence))
                {
                    var latest = LatestSequence(dir);
                    if (sequence == latest)
                    {
                        WriteHighWater(dir, latest);
                    }
                }

                MoveToTrash(dir, path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SnapshotStoreException($"Deleting snapshot {sequence} of '{system}' failed: {ex.Message}", isTransient: false, ex);
            }

            return Task.FromResult(true);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> QuarantineAsync(string system, long sequence, string reason, CancellationToken cancellationToken)
    {
        var dir = SystemDirectory(system);
        if (!Directory.Exists(dir))
        {
            return false;
        }

        return await WithSystemLockAsync(system, dir, () =>
        {
            var path = FinalPath(dir, system, sequence);
            if (!File.Exists(path))
            {
                return Task.FromResult(false);
            }

            try
            {
                // The quarantined file keeps its number reserved, but only while the quarantine folder is kept:
                // record the high-water mark too, so emptying the quarantine by hand cannot make a number come back.
                var latest = LatestSequence(dir);
                if (sequence == latest)
                {
                    WriteHighWater(dir, latest);
                }

                var quarantine = Path.Combine(dir, QuarantineFolder);
                Directory.CreateDirectory(quarantine);
                var target = QuarantinePath(dir, system, sequence);
                if (File.Exists(target))
                {
                    target = Path.Combine(quarantine, $"{Path.GetFileName(path)}.{Guid.NewGuid():N}");
                }

                _fs.Move(path, target, overwrite: false);
                File.WriteAllText(target + ".reason", reason);
                if (_durable)
                {
                    _fs.FsyncDirectory(quarantine);
                    _fs.FsyncDirectory(dir);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SnapshotStoreException($"Quarantining snapshot {sequence} of '{system}' failed: {ex.Message}", isTransient: false, ex);
            }

            return Task.FromResult(true);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<string> ListSystemsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_root))
        {
            yield break;
        }

        var names = Directory.EnumerateDirectories(_root)
            .Select(Path.GetFileName)
            .Where(name => SystemName.IsValid(name))
            .Select(name => name!)
            .Where(name => LatestSequence(Path.Combine(_root, name)) > 0)
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return name;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Task pending;
        lock (_trashGate)
        {
            pending = _trashRemoval;
        }

        await pending.ConfigureAwait(false);
        foreach (var semaphore in _locks.Values)
        {
            semaphore.Dispose();
        }
    }

    /// <summary>
    /// Deletes a pruned snapshot for <see cref="AppendAsync(string, long?, Func{long, EnvelopeBytes}, IReadOnlyCollection{long}, CancellationToken)"/>.
    /// The append is stored whatever happens here: a failure leaves the file for the next prune.
    /// </summary>
    /// <param name="dir">The system folder.</param>
    /// <param name="path">The pruned snapshot.</param>
    /// <param name="unlinkInPlace">
    /// Whether other appends to this store are under way. Then a small file is unlinked here: deferring the unlink would
    /// only put it before theirs on the same disk, for a rename more of work in all. Otherwise, and from
    /// <see cref="TrashFromBytes"/> on, it goes to trash (see <see cref="MoveToTrash"/>), and the save is acknowledged
    /// without waiting for the unlink.
    /// </param>
    private void DeleteFileAfterAppend(string dir, string path, bool unlinkInPlace)
    {
        try
        {
            if (unlinkInPlace && new FileInfo(path).Length < TrashFromBytes)
            {
                _fs.Delete(path);
            }
            else
            {
                MoveToTrash(dir, path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone already (another process pruned it), or not deletable now: the snapshot stays listed for the next prune.
        }
    }

    /// <summary>
    /// Deletes the snapshot file at <paramref name="path"/> by renaming it to trash, and unlinks it in the background: the name
    /// is gone at once (listings, loads and retention, in any process, see the deletion now), while the unlink stays off the
    /// save or delete that asked for it. An unlink frees the file's blocks, which even for a 1 KiB snapshot costs several
    /// times the rename (0.16 ms against 0.02 ms on ext4 right after a durable write: the benchmarks' <c>unlink</c> runner),
    /// and on a busy disk milliseconds.
    /// </summary>
    /// <exception cref="IOException">The rename failed (the file is gone, or the folder cannot be written).</exception>
    private void MoveToTrash(string dir, string path)
    {
        var trash = Path.Combine(dir, $"{TrashPrefix}{Path.GetFileName(path)}-{Guid.NewGuid():N}");
        lock (_trashGate)
        {
            // Known as this store's own from before the rename until after the unlink: a listing never takes it for another's.
            _ownTrash.Add(trash);
        }

        try
        {
            _fs.Move(path, trash, overwrite: false);
        }
        catch
        {
            lock (_trashGate)
            {
                _ownTrash.Remove(trash);
            }

            throw;
        }

        lock (_trashGate)
        {
            // The file itself, not its folder: unlinking it needs no pass over the folder.
            _trashFiles.Add(trash);
            StartTrashRemoval();
        }
    }

    private void StartTrashRemoval()
    {
        Debug.Assert(_trashGate.IsHeldByCurrentThread, "called under the trash gate");
        if (!_removingTrash)
        {
            _removingTrash = true;
            _trashRemoval = Task.Run(RemoveTrash);
        }
    }

    /// <summary>Unlinks renamed-away snapshots, including any a crashed process left (they are never listed or read).</summary>
    private void RemoveTrash()
    {
        while (true)
        {
            string[] files;
            string[] directories;
            lock (_trashGate)
            {
                if (_trashFiles.Count == 0 && _trashDirectories.Count == 0)
                {
                    _removingTrash = false;
                    return;
                }

                files = [.. _trashFiles];
                _trashFiles.Clear();
                directories = [.. _trashDirectories];
                _trashDirectories.Clear();
            }

            foreach (var file in files)
            {
                try
                {
                    _fs.Delete(file);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Left for a later pass over the folder (the next listing that sees trash, or the next open).
                }

                lock (_trashGate)
                {
                    _ownTrash.Remove(file);
                }
            }

            foreach (var dir in directories)
            {
                if (!RemoveTrashIn(dir))
                {
                    // Budget spent with trash left: the folder goes to the back of the queue for the next pass.
                    lock (_trashGate)
                    {
                        _trashDirectories.Add(dir);
                    }
                }
            }
        }
    }

    /// <returns>Whether the folder holds no more trash (or cannot be read).</returns>
    private static bool RemoveTrashIn(string dir)
    {
        var started = Stopwatch.GetTimestamp();
        var removed = 0;
        try
        {
            foreach (var file in Directory.EnumerateFiles(dir, TrashPrefix + "*"))
            {
                if (removed >= TrashFilesPerPass || Stopwatch.GetElapsedTime(started) > s_trashTimePerPass)
                {
                    return false;
                }

                TryDelete(file);
                removed++;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The folder went away or cannot be read: nothing left to free here; a later listing or delete retries.
        }

        return true;
    }

    /// <summary>At open: queues every system folder of the root that holds trash.</summary>
    private void SweepRootForTrash()
    {
        try
        {
            if (!Directory.Exists(_root))
            {
                return;
            }

            foreach (var dir in Directory.EnumerateDirectories(_root))
            {
                if (SystemName.IsValid(Path.GetFileName(dir)) && Directory.EnumerateFiles(dir, TrashPrefix + "*").Any())
                {
                    lock (_trashGate)
                    {
                        _trashDirectories.Add(dir);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An unreadable root fails the first real operation with a clear error; the sweep only frees space.
        }
    }

    private string SystemDirectory(string system)
    {
        SystemName.Validate(system);
        var dir = Path.Combine(_root, system);
        // Defence in depth: a valid name is one safe segment, but never trust that alone for a path.
        if (!Path.GetFullPath(dir).StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"System '{system}' resolves outside the store root.", nameof(system));
        }

        return dir;
    }

    /// <summary>
    /// The size of a listed file, or <see langword="null"/> when it is gone: the folder is read in batches and each size
    /// looked up later, so retention in another process (or thread) can remove a file in between. Gone is not an error.
    /// </summary>
    private static long? TryGetLength(FileInfo file)
    {
        try
        {
            return file.Length;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static string FileName(string system, long sequence) =>
        $"{system}-{sequence.ToString("D19", CultureInfo.InvariantCulture)}{Extension}";

    private static string FinalPath(string dir, string system, long sequence) => Path.Combine(dir, FileName(system, sequence));

    private static string QuarantinePath(string dir, string system, long sequence) => Path.Combine(dir, QuarantineFolder, FileName(system, sequence));

    private static bool TryParseSequence(ReadOnlySpan<char> fileName, string system, out long sequence)
    {
        sequence = 0;
        var prefixLength = system.Length + 1;
        return fileName.Length == prefixLength + 19 + Extension.Length
            && fileName.StartsWith(system, StringComparison.Ordinal)
            && fileName[system.Length] == '-'
            && fileName.EndsWith(Extension, StringComparison.Ordinal)
            && long.TryParse(fileName.Slice(prefixLength, 19), NumberStyles.None, CultureInfo.InvariantCulture, out sequence)
            && sequence > 0;
    }

    private void NoteLatest(string system, long sequence) =>
        _knownLatest.AddOrUpdate(system, sequence, (_, known) => Math.Max(known, sequence));

    // Sequences only grow, so a number this process saw allocated stays a lower bound of the latest forever.
    private bool IsKnownOlderThanLatest(string system, long sequence) =>
        _knownLatest.TryGetValue(system, out var known) && sequence < known;

    /// <summary>
    /// The highest sequence ever allocated: newest snapshot file, newest quarantined one, or the high-water mark.
    /// With <paramref name="cleanTemporaryFiles"/> (under the system lock only) the same directory pass deletes
    /// temp files left by a writer that crashed: every writer holds the lock while its temp file exists.
    /// </summary>
    private long LatestSequence(string dir, bool cleanTemporaryFiles = false)
    {
        var system = Path.GetFileName(dir);
        // The same pass sees whether the quarantine folder and the high-water mark exist: neither is looked up otherwise.
        var scan = ReadFolder(dir, system, snapshotLengths: false);
        var latest = scan.Latest;
        if (cleanTemporaryFiles)
        {
            foreach (var temporary in scan.Temporary ?? [])
            {
                TryDelete(Path.Combine(dir, temporary));
            }
        }

        if (scan.Quarantine)
        {
            var quarantine = Path.Combine(dir, QuarantineFolder);
            try
            {
                latest = Math.Max(latest, ScanFolder(quarantine, system, snapshotLengths: false).Latest);
            }
            catch (DirectoryNotFoundException)
            {
                // Removed since the pass above: nothing in it counts.
            }
        }

        var highWater = Path.Combine(dir, HighWaterFileName);
        if (scan.HighWater
            && ReadHighWater(highWater) is { } mark
            && mark > latest)
        {
            latest = mark;
        }

        return latest;
    }

    /// <summary>
    /// The number in a high-water mark file, or <see langword="null"/> when there is none (or it holds no number). Read, on
    /// Linux, without the shared flock a <see cref="File.ReadAllText(string)"/> takes: another program's lock on it must not
    /// fail the append.
    /// </summary>
    private static long? ReadHighWater(string path)
    {
        string text;
        try
        {
            if (NativeMethods.TryReadFile(path, 64, static length => new byte[length], out var direct))
            {
                if (direct.Buffer is not { } buffer)
                {
                    return null; // absent, or far longer than any number
                }

                text = System.Text.Encoding.ASCII.GetString(buffer, 0, direct.Read);
            }
            else if (File.Exists(path))
            {
                text = File.ReadAllText(path);
            }
            else
            {
                return null;
            }
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        {
            return null; // a folder by that name holds no mark
        }

        return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var mark) ? mark : null;
    }

    /// <summary>Full passes over a system folder so far: reads of the folder its view (when it has one) did not spare.</summary>
    internal long FolderPasses => Interlocked.Read(ref _folderPasses);

    /// <summary>Loads of the newest snapshot that read the file its folder's view keeps open (for tests).</summary>
    internal long KeptReads => Interlocked.Read(ref _keptReads);

    /// <summary>What a pass over a system folder finds now: from its view where it has one (see <see cref="FolderViews"/>).</summary>
    private FolderScan ReadFolder(string dir, string system, bool snapshotLengths)
    {
        if (_views is { } views && views.TryRead(dir, system, snapshotLengths, out var scan, out var passed))
        {
            CountPass(passed);
            return scan;
        }

        CountPass(true);
        return ScanFolder(dir, system, snapshotLengths);
    }

    private void CountPass(bool passed)
    {
        if (passed)
        {
            Interlocked.Increment(ref _folderPasses);
        }
    }

    /// <summary>
    /// The newest snapshot's bytes from the file its view keeps open (see <see cref="KeptFile"/>), which the caller held and
    /// this releases; <see langword="null"/> when the file is too large for a read on the caller's thread, or the read failed:
    /// the caller then reads it by its path, which reports what is wrong.
    /// </summary>
    private byte[]? ReadKept(KeptFile kept)
    {
        try
        {
            if (kept.Length > Math.Min(_maxSnapshotBytes, SyncReadMaxBytes))
            {
                return null;
            }

            var bytes = new byte[kept.Length];
            var read = kept.Read(bytes);
            Interlocked.Increment(ref _keptReads);
            return read == bytes.Length ? bytes : bytes.AsSpan(0, read).ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            kept.DangerousRelease();
        }
    }

    /// <summary>
    /// One pass over a system folder (or its quarantine) with no object or <c>stat</c> per entry: names come from the
    /// directory itself; only a snapshot's length, when asked for, costs a <c>stat</c>. A folder that does not exist is empty.
    /// </summary>
    /// <param name="dir">The folder.</param>
    /// <param name="system">The system whose snapshot names are recognized.</param>
    /// <param name="snapshotLengths">Whether <see cref="FolderScan.Snapshots"/> is filled (with lengths); otherwise only
    /// <see cref="FolderScan.Latest"/> is.</param>
    private static FolderScan ScanFolder(string dir, string system, bool snapshotLengths)
    {
        var snapshots = new List<StoredSnapshotRef>();
        long latest = 0;
        List<string>? trash = null;
        bool quarantine = false, highWater = false;
        List<string>? temporary = null;
        try
        {
            // The enumerable opens the folder as it is constructed.
            var entries = new FileSystemEnumerable<FolderEntry>(
                dir,
                (ref FileSystemEntry entry) => Classify(ref entry, system, snapshotLengths),
                s_scanOptions);
            foreach (var entry in entries)
            {
                switch (entry.Kind)
                {
                    case FolderEntryKind.Snapshot:
                        latest = Math.Max(latest, entry.Sequence);
                        if (snapshotLengths)
                        {
                            // A file unlinked between the directory read and its stat has length 0: the read that follows
                            // finds it gone (or, if it truly is empty, damaged), as with any snapshot deleted after listing.
                            snapshots.Add(new StoredSnapshotRef(entry.Sequence, entry.Length));
                        }

                        break;
                    case FolderEntryKind.Trash:
                        (trash ??= []).Add(entry.Name!);
                        break;
                    case FolderEntryKind.Temporary:
                        (temporary ??= []).Add(entry.Name!);
                        break;
                    case FolderEntryKind.QuarantineFolder:
                        quarantine = true;
                        break;
                    case FolderEntryKind.HighWater:
                        highWater = true;
                        break;
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            return FolderScan.Empty;
        }
        catch (IOException) when (!Directory.Exists(dir))
        {
            return FolderScan.Empty; // a file where the folder would be holds no snapshots, as before it was listed
        }

        return new FolderScan(snapshots, latest, trash, temporary, quarantine, highWater);
    }

    private enum FolderEntryKind : byte
    {
        Other,
        Snapshot,
        Trash,
        Temporary,
        QuarantineFolder,
        HighWater,
    }

    private readonly record struct FolderEntry(FolderEntryKind Kind, long Sequence, long Length, string? Name);

    /// <summary>What one pass over a folder found.</summary>
    /// <param name="Snapshots">The snapshots with their lengths, when asked for (otherwise empty).</param>
    /// <param name="Latest">The highest snapshot sequence, 0 when none.</param>
    /// <param name="Trash">The names of renamed-away snapshots waiting to be unlinked, if any.</param>
    /// <param name="Temporary">Temporary files of interrupted writes, if any.</param>
    /// <param name="Quarantine">Whether the quarantine folder exists.</param>
    /// <param name="HighWater">Whether the high-water mark file exists.</param>
    internal readonly record struct FolderScan(List<StoredSnapshotRef> Snapshots, long Latest, List<string>? Trash, List<string>? Temporary, bool Quarantine, bool HighWater)
    {
        public static FolderScan Empty => new([], 0, null, null, false, false);
    }

    private static FolderEntry Classify(ref FileSystemEntry entry, string system, bool snapshotLengths)
    {
        var name = entry.FileName;
        if (entry.IsDirectory)
        {
            return new FolderEntry(name.SequenceEqual(QuarantineFolder) ? FolderEntryKind.QuarantineFolder : FolderEntryKind.Other, 0, 0, null);
        }

        if (TryParseSequence(name, system, out var sequence))
        {
            return new FolderEntry(FolderEntryKind.Snapshot, sequence, snapshotLengths ? entry.Length : 0, null);
        }

        if (name.StartsWith(TrashPrefix, StringComparison.Ordinal))
        {
            return new FolderEntry(FolderEntryKind.Trash, 0, 0, name.ToString());
        }

        if (name.StartsWith(TempPrefix, StringComparison.Ordinal))
        {
            return new FolderEntry(FolderEntryKind.Temporary, 0, 0, name.ToString());
        }

        return new FolderEntry(name.SequenceEqual(HighWaterFileName) ? FolderEntryKind.HighWater : FolderEntryKind.Other, 0, 0, null);
    }

    private void WriteHighWater(string dir, long sequence)
    {
        var path = Path.Combine(dir, HighWaterFileName);
        var temp = Path.Combine(dir, $"{TempPrefix}highwater-{Guid.NewGuid():N}");
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(sequence.ToString(CultureInfo.InvariantCulture)));
            if (_durable)
            {
                _fs.FlushToDisk(stream);
            }
        }

        _fs.Move(temp, path, overwrite: true);
        if (_durable)
        {
            _fs.FsyncDirectory(dir);
        }
    }

    private static void CleanTemporaryFiles(string dir)
    {
        // Called under the system lock: every writer holds the lock while its temp file exists,
        // so any temp file seen now was left by a writer that crashed.
        foreach (var file in Directory.EnumerateFiles(dir, TempPrefix + "*"))
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // Another cleaner got there first; harmless.
            }
        }
    }

    /// <remarks>
    /// Synchronous on purpose: local file writes and fsync block a thread whether or not the API is async (on Linux,
    /// .NET runs "async" file I/O on the thread pool), and every hop to another thread costs a wake-up that, on a busy
    /// machine, is as long as the write itself. The caller holds the system lock, so this is one thread per system.
    /// </remarks>
    private void WriteDurably(string dir, string finalPath, EnvelopeBytes envelope, CancellationToken cancellationToken) =>
        WriteDurably(dir, finalPath, envelope, overwrite: false, cancellationToken);

    /// <param name="dir">The folder of <paramref name="finalPath"/>.</param>
    /// <param name="finalPath">Where the bytes go.</param>
    /// <param name="envelope">The bytes.</param>
    /// <param name="overwrite">Replace an existing file (chunks: a put heals a damaged copy); snapshots never overwrite.</param>
    /// <param name="cancellationToken">Cancels before the rename.</param>
    private void WriteDurably(string dir, string finalPath, EnvelopeBytes envelope, bool overwrite, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var temp = Path.Combine(dir, $"{TempPrefix}{Path.GetFileName(finalPath)}-{Guid.NewGuid():N}");
        try
        {
            // 1. Write the whole snapshot to a temp file in the same folder (same file system, so the rename is atomic).
            //    No preallocation: fallocate adds a metadata change that the fsync below then has to journal too.
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                stream.Write(envelope.Head.Span);
                stream.Write(envelope.Payload.Span);
                // 2. fsync the file: the data must be on disk before the name points at it, or a crash can leave a
                //    complete-looking name over missing data.
                if (_durable)
                {
                    _fs.FlushToDisk(stream);
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            // 3. Rename into place (a snapshot without overwriting): readers see the old state or the whole new file, never a torn one.
            _fs.Move(temp, finalPath, overwrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            TryDelete(temp);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            throw new SnapshotStoreException($"Writing snapshot file '{Path.GetFileName(finalPath)}' failed: {ex.Message}", isTransient: ex is IOException && !File.Exists(finalPath), ex);
        }

        // 4. fsync the directory: the rename is only durable once the directory entry is on disk.
        //    The append is acknowledged only after this returns.
        if (_durable)
        {
            try
            {
                _fs.FsyncDirectory(dir);
            }
            catch (IOException ex)
            {
                throw new SnapshotStoreException($"Flushing folder of '{Path.GetFileName(finalPath)}' failed: {ex.Message}", isTransient: true, ex);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next append's cleanup.
        }
    }

    // Every locked operation ends in blocking file I/O (fsync). Run it on the thread pool, so a caller that starts several
    // saves (of different systems) and awaits them together gets them in parallel instead of one after another on its
    // own thread — and a caller on a UI or request context is never blocked by a disk flush.
    private Task<T> WithSystemLockAsync<T>(string system, string dir, Func<Task<T>> action, CancellationToken cancellationToken) =>
        Task.Run(() => WithSystemLockCoreAsync(system, dir, action, cancellationToken), cancellationToken);

    private async Task<T> WithSystemLockCoreAsync<T>(string system, string dir, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        // The semaphore is uncontended in the common case, and then WaitAsync completes synchronously: no thread hop.
        var semaphore = _locks.GetOrAdd(system, _ => new SemaphoreSlim(1, 1));
        await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            try
            {
                Directory.CreateDirectory(dir);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SnapshotStoreException($"Creating folder for '{system}' failed: {ex.Message}", isTransient: false, ex);
            }

            var lockPath = Path.Combine(dir, LockFileName);
            if (!NativeMethods.IsPosix)
            {
                return await WithWindowsLockAsync(lockPath, action, cancellationToken).ConfigureAwait(false);
            }

            // Try the lock without blocking first (the common case: no other process is writing this system);
            // only when another process holds it, wait for it on a pool thread, as flock blocks its caller.
            int fd;
            try
            {
                fd = NativeMethods.TryLockFile(lockPath, out var acquired);
                if (!acquired)
                {
                    // No token for Task.Run: cancelled before it started, the descriptor would leak.
                    var pending = fd;
                    fd = await Task.Run(() => NativeMethods.WaitForLock(pending), CancellationToken.None).ConfigureAwait(false);
                    if (cancellationToken.IsCancellationRequested)
                    {
                        NativeMethods.Unlock(fd);
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                }
            }
            catch (IOException ex)
            {
                throw new SnapshotStoreException($"Locking '{system}' failed: {ex.Message}", isTransient: true, ex);
            }

            try
            {
                return await action().ConfigureAwait(false);
            }
            finally
            {
                NativeMethods.Unlock(fd);
            }
        }
        finally
        {
            semaphore.Release();
        }
    }

    private static async Task<T> WithWindowsLockAsync<T>(string lockPath, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(1);
        while (true)
        {
            FileStream? handle = null;
            try
            {
                handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                // Held by another process: back off and try again.
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(50, delay.TotalMilliseconds * 2));
                continue;
            }

            await using (handle.ConfigureAwait(false))
            {
                return await action().ConfigureAwait(false);
            }
        }
    }
}
