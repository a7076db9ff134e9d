namespace StateVault.Storage;

/// <summary>Options of the embedded file store.</summary>
public sealed class FileSnapshotStoreOptions
{
    /// <summary>The largest snapshot file the store reads by default: room for a state of <see cref="SnapshotVaultOptions.DefaultMaxStateBytes"/>.</summary>
    public const long DefaultMaxSnapshotBytes = SnapshotVaultOptions.DefaultMaxStateBytes + (SnapshotVaultOptions.DefaultMaxStateBytes / 64) + (2 * 1024 * 1024);

    /// <summary>The root folder; one sub-folder per system is created under it.</summary>
    /// <value><c>./data/persistent</c>, resolved against the working directory when the store is created.</value>
    public string RootPath { get; set; } = "./data/persistent";

    /// <summary>
    /// Whether appends are flushed to disk (file and directory fsync). Turning this off trades the crash guarantee
    /// for speed and is only meant for tests of other layers.
    /// </summary>
    /// <value><see langword="true"/>.</value>
    public bool Durable { get; set; } = true;

    /// <summary>
    /// The largest snapshot file a read loads into memory. A larger file (a stray or crafted file with a snapshot's name)
    /// is reported as damaged (<see cref="SnapshotCorruptedException"/>): the engine quarantines it and falls back, as for
    /// any other damage. Raise it together with <see cref="SnapshotVaultOptions.MaxStateBytes"/>.
    /// </summary>
    /// <value><see cref="DefaultMaxSnapshotBytes"/>: a 256 MiB state with room for its header and codec overhead.</value>
    public long MaxSnapshotBytes { get; set; } = DefaultMaxSnapshotBytes;

    /// <summary>
    /// Whether the store keeps what each system folder holds from the kernel's notifications of its changes (Linux inotify,
    /// on a local file system), instead of reading the folder on every append, listing and load. Every change by any process
    /// on this machine is seen before the next use; elsewhere (another system, a network file system, no notification to be
    /// had) the folder is read each time, as with this off.
    /// </summary>
    /// <value><see langword="true"/>.</value>
    public bool WatchFolders { get; set; } = true;
}
