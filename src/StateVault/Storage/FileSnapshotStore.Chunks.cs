using System.Runtime.CompilerServices;

namespace StateVault.Storage;

/// <summary>
/// Chunks of the file store: <c>&lt;root&gt;/&lt;system&gt;/.chunks/&lt;first 2 hex digits&gt;/&lt;id&gt;</c>, written like
/// snapshots (temp file, fsync, rename, folder fsync); the stored time is the file's modification time (UTC).
/// </summary>
internal sealed partial class FileSnapshotStore
{
    internal const string ChunkFolder = ".chunks";

    // A temp chunk file older than this was left by a writer that died (a put takes milliseconds).
    private static readonly TimeSpan s_staleChunkTemp = TimeSpan.FromHours(1);

    public Task PutChunkAsync(string system, string chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ChunkId.Validate(chunkId, nameof(chunkId));
        var (shard, path) = ChunkPath(system, chunkId);
        // The caller's buffer is only valid until this returns; the write below completes before the task does.
        return Task.Run(
            () =>
            {
                EnsureChunkShard(system, shard);
                WriteDurably(shard, path, new EnvelopeBytes(ReadOnlyMemory<byte>.Empty, data), overwrite: true, cancellationToken);
            },
            cancellationToken);
    }

    public async Task<StoredChunk?> ReadChunkAsync(string system, string chunkId, CancellationToken cancellationToken)
    {
        ChunkId.Validate(chunkId, nameof(chunkId));
        var (shard, path) = ChunkPath(system, chunkId);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                // Linux: without flock calls (see ReadCoreAsync), the time from the very file read. A chunk larger than a
                // read on the caller's thread is read below.
                if (NativeMethods.TryReadFile(path, Math.Min(_maxSnapshotBytes, SyncReadMaxBytes), static length => new byte[length], out var direct))
                {
                    if (!direct.Found)
                    {
                        if (RestoredForAnotherRead(attempt))
                        {
                            continue;
                        }

                        return null;
                    }

                    if (direct.Buffer is { } buffer)
                    {
                        return new StoredChunk(direct.Read == buffer.Length ? buffer : buffer.AsSpan(0, direct.Read).ToArray(), direct.LastWriteUtc);
                    }
                }

                var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.None);
                await using (stream.ConfigureAwait(false))
                {
                    // The time of the very file read (a put replaces the file, never rewrites it in place).
                    var stored = new DateTimeOffset(File.GetLastWriteTimeUtc(stream.SafeFileHandle), TimeSpan.Zero);
                    var length = stream.Length;
                    if (length > _maxSnapshotBytes)
                    {
                        // Larger than anything this store reads: the engine reports the chunk damaged, never allocates for it.
                        return new StoredChunk([], stored);
                    }

                    var bytes = new byte[length];
                    var total = 0;
                    while (total < bytes.Length)
                    {
                        var read = await stream.ReadAsync(bytes.AsMemory(total), cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            return new StoredChunk(bytes.AsSpan(0, total).ToArray(), stored);
                        }

                        total += read;
                    }

                    return new StoredChunk(bytes, stored);
                }
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                if (!RestoredForAnotherRead(attempt))
                {
                    return null;
                }
            }
            catch (IOException ex)
            {
                throw new SnapshotStoreException($"Reading chunk {chunkId} of '{system}' failed: {ex.Message}", isTransient: false, ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new SnapshotStoreException($"Reading chunk {chunkId} of '{system}' was denied: {ex.Message}", isTransient: false, ex);
            }
        }

        return null;

        // Absent: a collection killed between its rename to trash and its decision leaves the chunk under a trash name. It
        // is put back and read again (once), so a chunk is never lost to a crash in the middle of a conditional delete.
        bool RestoredForAnotherRead(int attempt) => attempt == 0 && RestoreTrashedChunks(shard, chunkId);
    }

    public async IAsyncEnumerable<StoredChunkRef> ListChunksAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var root = Path.Combine(SystemDirectory(system), ChunkFolder);
        if (!Directory.Exists(root))
        {
            yield break;
        }

        var result = new List<StoredChunkRef>();
        try
        {
            foreach (var shard in Directory.EnumerateDirectories(root))
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var file in new DirectoryInfo(shard).EnumerateFiles())
                {
                    if (file.Name.StartsWith(TrashPrefix, StringComparison.Ordinal))
                    {
                        // Left by a collection that was killed mid-delete: restored (or dropped when the chunk is back),
                        // then collected again by the ordinary rule if it is still unreferenced.
                        RestoreTrashedChunks(shard, file.Name.Substring(TrashPrefix.Length, Math.Min(ChunkId.Length, file.Name.Length - TrashPrefix.Length)));
                    }
                    else if (file.Name.StartsWith(TempPrefix, StringComparison.Ordinal) && _time.GetUtcNow().UtcDateTime - file.LastWriteTimeUtc > s_staleChunkTemp)
                    {
                        TryDelete(file.FullName);
                    }
                }

                foreach (var file in new DirectoryInfo(shard).EnumerateFiles())
                {
                    if (ChunkId.IsValid(file.Name) && TryGetLength(file) is { } length)
                    {
                        result.Add(new StoredChunkRef(file.Name, length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero)));
                    }
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // The system's folder went away while listing: no chunks.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SnapshotStoreException($"Listing chunks of '{system}' failed: {ex.Message}", isTransient: false, ex);
        }

        foreach (var item in result)
        {
            yield return item;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<bool> DeleteChunkAsync(string system, string chunkId, DateTimeOffset storedBefore, CancellationToken cancellationToken)
    {
        ChunkId.Validate(chunkId, nameof(chunkId));
        var (shard, path) = ChunkPath(system, chunkId);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (!File.Exists(path) || new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero) >= storedBefore)
            {
                return Task.FromResult(false);
            }

            // Rename first, then decide on the file the name pointed at: a put that replaced the chunk between the check
            // above and the rename moved a fresh file here, which goes back. A put after the rename lands beside it.
            var trash = Path.Combine(shard, $"{TrashPrefix}{chunkId}-{Guid.NewGuid():N}");
            try
            {
                _fs.Move(path, trash, overwrite: false);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return Task.FromResult(false);
            }

            DateTimeOffset stored;
            try
            {
                stored = new DateTimeOffset(File.GetLastWriteTimeUtc(trash), TimeSpan.Zero);
                if (!File.Exists(trash))
                {
                    return Task.FromResult(false); // a listing restored it meanwhile
                }
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return Task.FromResult(false);
            }

            if (stored >= storedBefore)
            {
                RestoreTrashedChunks(shard, chunkId);
                return Task.FromResult(false);
            }

            _fs.Delete(trash);
            return Task.FromResult(true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SnapshotStoreException($"Deleting chunk {chunkId} of '{system}' failed: {ex.Message}", isTransient: false, ex);
        }
    }

    private (string Shard, string Path) ChunkPath(string system, string chunkId)
    {
        var shard = Path.Combine(SystemDirectory(system), ChunkFolder, chunkId[..2]);
        return (shard, Path.Combine(shard, chunkId));
    }

    /// <summary>Creates a chunk's folder durably the first time: each new folder entry is fsynced in its parent.</summary>
    private void EnsureChunkShard(string system, string shard)
    {
        if (Directory.Exists(shard))
        {
            return;
        }

        try
        {
            var systemDir = SystemDirectory(system);
            var chunks = Path.Combine(systemDir, ChunkFolder);
            var newSystem = !Directory.Exists(systemDir);
            Directory.CreateDirectory(shard);
            if (_durable)
            {
                _fs.FsyncDirectory(chunks);
                _fs.FsyncDirectory(systemDir);
                if (newSystem)
                {
                    _fs.FsyncDirectory(_root);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SnapshotStoreException($"Creating the chunk folder of '{system}' failed: {ex.Message}", isTransient: false, ex);
        }
    }

    /// <summary>Moves trashed copies of a chunk back under its name (the first one), or unlinks them when it is there.</summary>
    /// <returns>Whether a copy was put back.</returns>
    private bool RestoreTrashedChunks(string shard, string chunkId)
    {
        if (!ChunkId.IsValid(chunkId))
        {
            return false;
        }

        var path = Path.Combine(shard, chunkId);
        var restored = false;
        try
        {
            foreach (var trash in Directory.EnumerateFiles(shard, $"{TrashPrefix}{chunkId}-*"))
            {
                try
                {
                    _fs.Move(trash, path, overwrite: false);
                    restored = true;
                }
                catch (IOException) when (File.Exists(path))
                {
                    TryDelete(trash); // the chunk is there (put again, or restored by another copy)
                }
                catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                {
                    // Restored or deleted by someone else meanwhile.
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }

        return restored;
    }
}
