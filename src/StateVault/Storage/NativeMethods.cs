using System.Runtime.InteropServices;

namespace StateVault.Storage;

/// <summary>
/// POSIX calls .NET does not expose: fsync of a directory, a blocking whole-file advisory lock, a rename that refuses to
/// replace in the same call, and a whole-file read without the locking and object overhead of a <see cref="FileStream"/>.
/// </summary>
internal static partial class NativeMethods
{
    private const int ORdOnly = 0;
    private const int ORdWr = 2;
    private const int OCreat = 0x40; // Linux value; O_CREAT differs on macOS, where 0x200 is used.
    private const int OCreatMac = 0x200;
    private const int OCloexecLinux = 0x80000;
    private const int OCloexecMac = 0x1000000;
    private const int ONonBlockLinux = 0x800;
    private const int LockEx = 2;
    private const int LockUn = 8;
    private const int LockNb = 4;
    internal const int EWouldBlockLinux = 11; // EAGAIN == EWOULDBLOCK
    private const int EWouldBlockMac = 35;
    internal const int EIntr = 4;
    private const int ENoEnt = 2;
    private const int EAccess = 13;
    private const int EPerm = 1;
    private const int EExist = 17;
    private const int ENotDir = 20;
    private const int EInvalid = 22;
    private const int ECrossDevice = 18;
    private const int ENoSys = 38;
    private const int ENotSupported = 95;
    internal const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint RenameNoReplace = 1;
    private const uint StatxType = 0x1;
    private const uint StatxMtime = 0x40;
    internal const uint StatxSize = 0x200;
    private const int SIfMt = 0xF000;
    private const int SIfReg = 0x8000;

    // Cleared for good the first time the kernel or the C library lacks a call (renameat2, statx): from then on .NET's own
    // file calls are used.
    private static volatile bool s_renameNoReplace = OperatingSystem.IsLinux();
    private static volatile bool s_directRead = OperatingSystem.IsLinux() && Environment.Is64BitProcess;

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

    /// <summary>
    /// Linux: renames <paramref name="source"/> to <paramref name="destination"/> unless the destination exists, in one call
    /// (renameat2 with RENAME_NOREPLACE), so the check and the rename cannot be split by another process. .NET's
    /// <see cref="File.Move(string, string, bool)"/> checks with three lstat calls first and then renames.
    /// </summary>
    /// <returns>Whether it was done here; otherwise (another system, or a file system or kernel without the flag) the caller moves.</returns>
    /// <exception cref="IOException">The destination exists, or the rename failed.</exception>
    /// <exception cref="FileNotFoundException">The source does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">The destination's folder does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">Denied.</exception>
    public static bool TryMoveNoReplace(string source, string destination)
    {
        if (!s_renameNoReplace)
        {
            return false;
        }

        int result;
        try
        {
            result = RenameAt2(AtFdCwd, source, AtFdCwd, destination, RenameNoReplace);
        }
        catch (EntryPointNotFoundException)
        {
            s_renameNoReplace = false;
            return false;
        }

        if (result == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        switch (errno)
        {
            case ENoSys:
                s_renameNoReplace = false; // a kernel without renameat2
                return false;
            case EInvalid or ENotSupported or ECrossDevice:
                // A file system without the flag, or a move .NET makes otherwise (across file systems, it copies): this one
                // is left to .NET, which reports what is wrong with it.
                return false;
            case EExist:
                throw new IOException($"The file '{destination}' already exists.");
            case ENoEnt when !Path.Exists(source):
                throw new FileNotFoundException($"Could not find file '{source}'.", source);
            case ENoEnt or ENotDir:
                throw new DirectoryNotFoundException($"Could not find a part of the path '{destination}'.");
            default:
                throw FileError(errno, destination);
        }
    }

    /// <summary>
    /// Linux: reads the whole regular file at <paramref name="path"/> with open, statx, pread and close. A
    /// <see cref="FileStream"/> adds two flock calls and a second fstat to that, and objects around the descriptor.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">Larger files are not read (<see cref="DirectRead.Length"/> says how large).</param>
    /// <param name="allocate">The buffer for a file of the given length.</param>
    /// <param name="read">What was read: whether the file exists, and its bytes unless it is larger than <paramref name="maxBytes"/>.</param>
    /// <returns>Whether it was done here; otherwise (another system, or a kernel without statx) the caller reads.</returns>
    /// <exception cref="IOException">The read failed.</exception>
    /// <exception cref="UnauthorizedAccessException">Denied, or not a regular file.</exception>
    public static unsafe bool TryReadFile(string path, long maxBytes, Func<int, byte[]> allocate, out DirectRead read)
    {
        read = default;
        if (!s_directRead)
        {
            return false;
        }

        var fd = OpenRetrying(path, ORdOnly | Cloexec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENoEnt or ENotDir)
            {
                read = new DirectRead(Found: false, null, 0, 0, default);
                return true;
            }

            throw FileError(errno, path);
        }

        try
        {
            // struct statx has the same layout on every architecture: stx_mode at 28, stx_size at 40, stx_mtime at 112
            // (seconds, then nanoseconds).
            var stat = stackalloc byte[256];
            if (Statx(fd, string.Empty, AtEmptyPath, StatxType | StatxSize | StatxMtime, stat) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == ENoSys)
                {
                    s_directRead = false;
                    return false;
                }

                throw FileError(errno, path);
            }

            var fields = new ReadOnlySpan<byte>(stat, 256);
            if (!IsRegularFile(fields))
            {
                throw new UnauthorizedAccessException($"Access to the path '{path}' is denied: it is not a regular file.");
            }

            var length = FileLength(fields);
            var lastWrite = DateTimeOffset.FromUnixTimeSeconds(System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(fields[112..]))
                .AddTicks(System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(fields[120..]) / 100);
            if (length > maxBytes)
            {
                read = new DirectRead(Found: true, null, 0, length, lastWrite);
                return true;
            }

            var buffer = allocate((int)length);
            read = new DirectRead(Found: true, buffer, ReadFrom(fd, buffer, (int)length, path), length, lastWrite);
            return true;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Reads the first <paramref name="length"/> bytes of the open file <paramref name="fd"/> into <paramref name="buffer"/>
    /// (positioned reads: the descriptor's offset is neither used nor moved, so several threads may read one descriptor).
    /// </summary>
    /// <returns>The bytes read: fewer than <paramref name="length"/> if the file is shorter now.</returns>
    /// <exception cref="IOException">The read failed (<paramref name="path"/> names the file in the message).</exception>
    internal static unsafe int ReadFrom(int fd, byte[] buffer, int length, string path)
    {
        var total = 0;
        fixed (byte* start = buffer)
        {
            while (total < length)
            {
                var n = PRead(fd, start + total, length - total, total);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EIntr)
                    {
                        continue;
                    }

                    throw FileError(errno, path);
                }

                if (n == 0)
                {
                    break; // shrank while being read
                }

                total += (int)n;
            }
        }

        return total;
    }

    /// <summary>
    /// Linux: opens <paramref name="path"/> for reading if it is a regular file, without ever waiting (a FIFO at the path is
    /// opened non-blocking, then refused as not a regular file): the descriptor and the file's length. Any failure is only
    /// a <see langword="false"/>; the caller then reads the file the ordinary way, which reports it.
    /// </summary>
    internal static unsafe bool TryOpenRegularFile(string path, out int fd, out long length)
    {
        length = 0;
        fd = -1;
        if (!s_directRead)
        {
            return false;
        }

        fd = OpenRetrying(path, ORdOnly | OCloexecLinux | ONonBlockLinux);
        if (fd < 0)
        {
            return false;
        }

        var stat = stackalloc byte[256];
        var fields = new ReadOnlySpan<byte>(stat, 256);
        if (Statx(fd, string.Empty, AtEmptyPath, StatxType | StatxSize, stat) != 0 || !IsRegularFile(fields))
        {
            _ = Close(fd);
            fd = -1;
            return false;
        }

        length = FileLength(fields);
        return true;
    }

    /// <summary><c>open</c>, again while interrupted by a signal: the descriptor, or -1 with the error left for the caller.</summary>
    private static int OpenRetrying(string path, int flags)
    {
        int fd;
        while ((fd = Open(path, flags, 0)) < 0 && Marshal.GetLastPInvokeError() == EIntr)
        {
        }

        return fd;
    }

    // struct statx has the same layout on every architecture: stx_mode at 28, stx_size at 40.
    private static bool IsRegularFile(ReadOnlySpan<byte> statx) =>
        (System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(statx[28..]) & SIfMt) == SIfReg;

    private static long FileLength(ReadOnlySpan<byte> statx) => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(statx[40..]);

    private static Exception FileError(int errno, string path) => errno is EAccess or EPerm
        ? new UnauthorizedAccessException($"Access to the path '{path}' is denied (errno {errno}).")
        : new IOException($"'{path}': errno {errno}", errno);

    private static int Cloexec => OperatingSystem.IsMacOS() ? OCloexecMac : OCloexecLinux;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int sourceDirectoryFd, string source, int destinationDirectoryFd, string destination, uint flags);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static unsafe partial nint PRead(int fd, byte* buffer, nint count, long offset);

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

    /// <summary>What <see cref="TryReadFile"/> read.</summary>
    /// <param name="Found">Whether the file exists.</param>
    /// <param name="Buffer">The buffer the bytes were read into, or <see langword="null"/> when the file does not exist or is too large.</param>
    /// <param name="Read">The bytes read into it: fewer than <paramref name="Length"/> if the file shrank while being read.</param>
    /// <param name="Length">The file's length when opened.</param>
    /// <param name="LastWriteUtc">The file's last write time when opened.</param>
    internal readonly record struct DirectRead(bool Found, byte[]? Buffer, int Read, long Length, DateTimeOffset LastWriteUtc);
}
