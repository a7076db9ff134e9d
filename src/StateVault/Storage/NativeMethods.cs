using System.Runtime.InteropServices;

namespace StateVault.Storage;

/// <summary>POSIX calls .NET does not expose: fsync of a directory and a blocking, whole-file advisory lock.</summary>
internal static partial class NativeMethods
{
    private const int ORdOnly = 0;
    private const int ORdWr = 2;
    private const int OCreat = 0x40; // Linux value; O_CREAT differs on macOS, where 0x200 is used.
    private const int OCreatMac = 0x200;
    private const int OCloexecLinux = 0x80000;
    private const int OCloexecMac = 0x1000000;
    private const int LockEx = 2;
    private const int LockUn = 8;
    private const int LockNb = 4;
    private const int EWouldBlockLinux = 11; // EAGAIN == EWOULDBLOCK
    private const int EWouldBlockMac = 35;
    private const int EIntr = 4;

    public static bool IsPosix => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    /// <summary>
    /// fsync on the directory itself: a rename is only durable once the directory entry is on disk.
    /// Without it, a power loss after the rename can bring back the old directory state.
    /// </summary>
    public static void FsyncDirectory(string directory)
    {
        if (!IsPosix)
        {
            return; // NTFS journals metadata; Windows has no directory handle fsync.
        }

        var fd = Open(directory, ORdOnly | Cloexec, 0);
        if (fd < 0)
        {
            throw new IOException($"open of directory for fsync failed (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Opens (creating if needed) a lock file and tries to take an exclusive flock on it without blocking.</summary>
    /// <param name="path">The lock file.</param>
    /// <param name="acquired">Whether the lock is held. When not, pass the returned descriptor to <see cref="WaitForLock"/>.</param>
    /// <returns>The descriptor.</returns>
    public static int TryLockFile(string path, out bool acquired)
    {
        var fd = Open(path, ORdWr | (OperatingSystem.IsMacOS() ? OCreatMac : OCreat) | Cloexec, Convert.ToInt32("644", 8));
        if (fd < 0)
        {
            throw new IOException($"open of lock file failed (errno {Marshal.GetLastPInvokeError()})");
        }

        while (true)
        {
            if (Flock(fd, LockEx | LockNb) == 0)
            {
                acquired = true;
                return fd;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == EIntr)
            {
                continue;
            }

            if (errno is EWouldBlockLinux or EWouldBlockMac)
            {
                acquired = false;
                return fd;
            }

            _ = Close(fd);
            throw new IOException($"flock failed (errno {errno})");
        }
    }

    /// <summary>Blocks until the exclusive flock on <paramref name="fd"/> is granted (closes it on failure).</summary>
    public static int WaitForLock(int fd)
    {
        while (Flock(fd, LockEx) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EIntr)
            {
                _ = Close(fd);
                throw new IOException($"flock failed (errno {errno})");
            }
        }

        return fd;
    }

    /// <summary>Releases the lock and closes the descriptor.</summary>
    public static void Unlock(int fd)
    {
        _ = Flock(fd, LockUn);
        _ = Close(fd);
    }

    private static int Cloexec => OperatingSystem.IsMacOS() ? OCloexecMac : OCloexecLinux;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);

    // Linux only, for FileSnapshotStore's folder views (see FileSnapshotStore.FolderViews).
    [LibraryImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    internal static partial int InotifyInit(int flags);

    [LibraryImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport("libc", EntryPoint = "inotify_rm_watch", SetLastError = true)]
    internal static partial int InotifyRemoveWatch(int fd, int watch);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int Statfs(string path, byte* buffer);

    /// <summary>Closes a descriptor opened by one of the calls above.</summary>
    internal static void CloseDescriptor(int fd) => _ = Close(fd);
}
