namespace StateVault.Storage;

/// <summary>
/// The file-system steps of the file store that decide durability and placement: flushing a file to disk, renaming, and
/// flushing a directory. The default runs them for real; a test subclass records their order or makes one fail (a
/// read-only or full file system), which a test running as root cannot get from <c>chmod</c>.
/// </summary>
internal class FileSystemOps
{
    /// <summary>The real file system.</summary>
    public static FileSystemOps Real { get; } = new();

    /// <summary>fsync of a file being written: its data reaches the disk before anything names it.</summary>
    public virtual void FlushToDisk(FileStream stream) => stream.Flush(flushToDisk: true);

    /// <summary>
    /// An atomic rename within one file system. Without <paramref name="overwrite"/>, an existing destination fails it; on
    /// Linux that is decided by the rename itself (see <see cref="NativeMethods.TryMoveNoReplace"/>), elsewhere by a check first.
    /// </summary>
    public virtual void Move(string source, string destination, bool overwrite)
    {
        if (overwrite || !NativeMethods.TryMoveNoReplace(source, destination))
        {
            File.Move(source, destination, overwrite);
        }
    }

    /// <summary>An unlink: the name is gone at once, the blocks are freed by the file system.</summary>
    public virtual void Delete(string path) => File.Delete(path);

    /// <summary>fsync of a directory: a rename in it is durable only once its entry is on disk.</summary>
    public virtual void FsyncDirectory(string directory) => NativeMethods.FsyncDirectory(directory);
}
