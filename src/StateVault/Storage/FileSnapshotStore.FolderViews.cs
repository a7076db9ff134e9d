using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace StateVault.Storage;

internal sealed partial class FileSnapshotStore
{
    /// <summary>
    /// What a pass over each system folder would find, kept exact between passes by the kernel's notifications of every
    /// change in the folder (Linux inotify), so that appends, listings and loads do not read the folder again each time.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Why it is exact: the kernel queues the notification of a change in the folder before the call that made the change
    /// (a rename, create, unlink or write, by any process on this machine) returns. Every use first reads the queue until it
    /// is empty and applies what it holds, so a view reflects every change completed before that use began, as a pass over
    /// the folder would. A file that appears or changes is looked up again (its length); a name that goes is dropped.
    /// Applying the notifications in order to a view that already holds some of them ends in the same state, so the
    /// notifications queued between the watch and the first pass do no harm.
    /// </para>
    /// <para>
    /// One instance serves every file store of the process (one notification descriptor, one watch per folder; the
    /// kernel allows few descriptors per user). Past <see cref="MaxWatchedFolders"/> folders, the one used longest ago
    /// is dropped.
    /// </para>
    /// <para>
    /// Where the kernel cannot promise that, nothing is cached and every use reads the folder as before: any system but
    /// Linux, a file system other than a local one (on NFS, SMB or FUSE, changes made on another machine are not notified),
    /// no notification instance or watch to be had (the per-user limits). A folder deleted or moved, or replaced at its path
    /// by another (another inode, or a folder above it moved), drops its view. Lost notifications (the queue overflowed)
    /// make every folder be watched and read again before its next use.
    /// </para>
    /// </remarks>
    internal sealed class FolderViews : IDisposable
    {
        private const int MaxWatchedFolders = 1024;

        // Open descriptors kept for the newest snapshots, at most (the one used longest ago is closed first).
        private const int MaxKeptFiles = 64;

        // inotify(7)
        private const int InNonBlock = 0x800;
        private const int InCloexec = 0x80000;
        private const uint InModify = 0x2;
        private const uint InMovedFrom = 0x40;
        private const uint InMovedTo = 0x80;
        private const uint InCreate = 0x100;
        private const uint InDelete = 0x200;
        private const uint InDeleteSelf = 0x400;
        private const uint InMoveSelf = 0x800;
        private const uint InUnmount = 0x2000;
        private const uint InQueueOverflow = 0x4000;
        private const uint InIgnored = 0x8000;
        private const uint InOnlyDirectory = 0x1000000;
        private const uint InIsDirectory = 0x40000000;
        private const uint WatchMask = InModify | InMovedFrom | InMovedTo | InCreate | InDelete | InDeleteSelf | InMoveSelf | InOnlyDirectory;
        private const int EventHeaderBytes = 16;
        private const int LargestEventBytes = EventHeaderBytes + 256; // a name of NAME_MAX bytes, its NUL, padded
        private const int EAgain = NativeMethods.EWouldBlockLinux;
        private const int EIntr = NativeMethods.EIntr;

        // statx(2)
        private const int AtFdCwd = NativeMethods.AtFdCwd;
        private const uint StatxIno = 0x100;
        private const uint StatxSize = NativeMethods.StatxSize;

        // statfs(2): the local file systems whose every change this machine's kernel sees.
        private static readonly HashSet<long> s_localFileSystems =
        [
            0xEF53, // ext2/3/4
            0x58465342, // xfs
            0x9123683E, // btrfs
            0x01021994, // tmpfs
            0x794C7630, // overlayfs
            0x2FC12FC1, // zfs
            0xF2F52010, // f2fs
            0xCA451A4E, // bcachefs
        ];

        private static readonly Lazy<FolderViews?> s_shared = new(() => OperatingSystem.IsLinux() && Environment.Is64BitProcess ? new FolderViews() : null);

        private readonly Lock _gate = new();
        private readonly Dictionary<int, View> _byWatch = [];
        private readonly Dictionary<string, View> _byFolder = new(StringComparer.Ordinal);
        private readonly byte[] _events = new byte[16 * 1024];
        private int _fd = -1;
        private bool _unavailable;
        private long _uses;
        private int _keptFiles;

        /// <summary>Views of their own, for tests (stores share <see cref="Shared"/>).</summary>
        internal FolderViews()
        {
        }

        /// <summary>The process's views, or <see langword="null"/> where the kernel gives no such notifications.</summary>
        public static FolderViews? Shared => s_shared.Value;

        /// <summary>
        /// What a pass over <paramref name="dir"/> finds now, from its view; the view is built by one pass when there is none.
        /// </summary>
        /// <param name="dir">The system folder.</param>
        /// <param name="system">Its system.</param>
        /// <param name="snapshotLengths">As for <see cref="ScanFolder"/>: whether the scan lists the snapshots (with
        /// their lengths), or gives only the newest's sequence.</param>
        /// <param name="scan">What a pass would find now.</param>
        /// <param name="passed">Whether the folder was read to (re)build its view.</param>
        /// <returns>Whether the folder has (or now has) a view; otherwise the caller reads the folder itself.</returns>
        public bool TryRead(string dir, string system, bool snapshotLengths, out FolderScan scan, out bool passed)
        {
            scan = default;
            lock (_gate)
            {
                if (Use(dir, system, out passed) is not { } view)
                {
                    return false;
                }

                scan = view.ToScan(snapshotLengths);
                return true;
            }
        }

        /// <summary>
        /// As <see cref="TryRead"/> without the listing, and with the newest snapshot's file open: the descriptor this view
        /// keeps for it (see <see cref="KeptFile"/>), or one opened now and kept from now on. The caller reads it with
        /// <see cref="KeptFile.Read"/> and releases it; it is closed only once no caller holds it.
        /// </summary>
        /// <param name="dir">The system folder.</param>
        /// <param name="system">Its system.</param>
        /// <param name="scan">What a pass would find now (its <see cref="FolderScan.Latest"/> only).</param>
        /// <param name="passed">Whether the folder was read to (re)build its view.</param>
        /// <param name="newest">The newest snapshot's file, held for the caller; <see langword="null"/> when there is no
        /// snapshot or it could not be opened here (the caller then reads it by its path, which reports why).</param>
        /// <returns>Whether the folder has (or now has) a view; otherwise the caller reads the folder itself.</returns>
        public bool TryReadLatest(string dir, string system, out FolderScan scan, out bool passed, out KeptFile? newest)
        {
            scan = default;
            newest = null;
            lock (_gate)
            {
                if (Use(dir, system, out passed) is not { } view)
                {
                    return false;
                }

                scan = view.ToScan(snapshotLengths: false);
                if (scan.Latest > 0 && Open(view, scan.Latest) is { } file)
                {
                    var held = false;
                    file.DangerousAddRef(ref held);
                    newest = file;
                }

                return true;
            }
        }

        /// <summary>
        /// Called by a store right after its own append of <paramref name="sequence"/> to <paramref name="dir"/>: applies the
        /// notifications queued now (one read of the queue, no wait), while what they touched is still in the CPU's caches, so
        /// the next use (a load, the next save), often much later, finds only what happened since. (It would otherwise apply
        /// them all itself, on cold caches: a 1 KiB load right after a save, caches evicted, took about 10 % longer that way,
        /// about 22 µs of 210.) When the view then has the new snapshot as its newest, its file is opened and kept, so that
        /// the next load of the newest reads it without looking up its path again (see <see cref="KeptFile"/>).
        /// </summary>
        public void KeepNewest(string dir, long sequence)
        {
            lock (_gate)
            {
                if (_fd < 0)
                {
                    return;
                }

                Drain(once: true);
                if (_byFolder.TryGetValue(dir, out var view) && !view.Stale && view.Latest == sequence)
                {
                    view.LastUse = ++_uses;
                    _ = Open(view, sequence);
                }
            }
        }

        /// <summary>
        /// The view of <paramref name="dir"/> brought up to date for a use (every queued notification applied, the folder at
        /// the path checked to be the watched one), or built by one pass; <see langword="null"/> when the folder cannot have one.
        /// </summary>
        private View? Use(string dir, string system, out bool passed)
        {
            passed = false;
            if (!EnsureOpen())
            {
                return null;
            }

            Drain();
            if (_byFolder.TryGetValue(dir, out var view) && (view.Stale || !SameFolder(dir, view)))
            {
                // Replaced at the same path (the old one was moved, or a folder above it was): its notifications are not
                // this folder's. Stale (notifications lost): watched again below, as the lost ones may have said that
                // the watched folder is gone and another took its path (even its inode number).
                Forget(view, removeWatch: !view.Stale);
                view = null;
            }

            if (view is null)
            {
                if (!IsLocal(dir))
                {
                    return null;
                }

                if (_byFolder.Count >= MaxWatchedFolders)
                {
                    Forget(_byFolder.Values.MinBy(v => v.LastUse)!, removeWatch: true);
                }

                // The folder at the path before and after the watch is taken must be the same one: the watch is then on it.
                var identity = Identify(dir);
                var watch = identity is null ? -1 : NativeMethods.InotifyAddWatch(_fd, dir, WatchMask);
                if (watch < 0)
                {
                    return null; // no such folder (yet), or no watch to be had: read it
                }

                if (_byWatch.TryGetValue(watch, out var sameInode))
                {
                    // The same folder under another path: one view per watch.
                    Forget(sameInode, removeWatch: false);
                }

                if (Identify(dir) != identity)
                {
                    _ = NativeMethods.InotifyRemoveWatch(_fd, watch);
                    return null;
                }

                view = new View(watch, dir, system, identity!.Value);
                _byWatch[watch] = view;
                _byFolder[dir] = view;

                // Watching first, then the pass: whatever changes during the pass is notified and applied after it.
                passed = true;
                var pass = ScanFolder(dir, system, snapshotLengths: true);
                view.Load(pass);
            }

            view.LastUse = ++_uses;
            return view;
        }

        /// <summary>
        /// The kept file of snapshot <paramref name="sequence"/> in <paramref name="view"/>, opened (and kept, in place of the
        /// one kept before) when it is not the one kept; <see langword="null"/> when it cannot be opened here.
        /// </summary>
        private KeptFile? Open(View view, long sequence)
        {
            if (view.Kept is { } kept && kept.Sequence == sequence)
            {
                return kept;
            }

            // Opened after every notification queued so far was applied: any change to this name from now on is notified,
            // and applying it drops the file (see Apply). A change queued earlier but applied later only drops it sooner.
            var path = FinalPath(view.Folder, view.System, sequence);
            if (!NativeMethods.TryOpenRegularFile(path, out var fd, out var length))
            {
                return null;
            }

            Drop(view);
            if (_keptFiles >= MaxKeptFiles && _byFolder.Values.Where(v => v.Kept is not null).MinBy(v => v.LastUse) is { } oldest)
            {
                Drop(oldest);
            }

            view.Kept = new KeptFile(fd, sequence, length, path);
            _keptFiles++;
            OpenedFiles++;
            return view.Kept;
        }

        /// <summary>Closes the file <paramref name="view"/> keeps, if any (once no reader holds it).</summary>
        private void Drop(View view)
        {
            if (view.Kept is { } kept)
            {
                view.Kept = null;
                _keptFiles--;
                kept.Dispose();
            }
        }

        /// <summary>Reads of the notification queue so far (for tests).</summary>
        internal long QueueReads { get; private set; }

        /// <summary>Snapshot files opened to be kept so far (for tests).</summary>
        internal long OpenedFiles { get; private set; }

        /// <summary>Files kept open now (for tests).</summary>
        internal int KeptFiles
        {
            get
            {
                lock (_gate)
                {
                    return _keptFiles;
                }
            }
        }

        /// <summary>Notifications applied so far (for tests).</summary>
        internal long AppliedNotifications { get; private set; }

        /// <summary>Drops every view and the notifications: every use reads its folder from now on.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                _unavailable = true;
                foreach (var view in _byFolder.Values)
                {
                    Drop(view);
                }

                _byWatch.Clear();
                _byFolder.Clear();
                if (_fd >= 0)
                {
                    NativeMethods.CloseDescriptor(_fd);
                    _fd = -1;
                }
            }
        }

        private static unsafe bool IsLocal(string dir)
        {
            // struct statfs begins with f_type (a long) on every 64-bit Linux; the rest is room.
            var buffer = stackalloc byte[256];
            return NativeMethods.Statfs(dir, buffer) == 0 && s_localFileSystems.Contains(BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(buffer, 8)) & 0xFFFFFFFF);
        }

        /// <summary>The device and inode of <paramref name="path"/>: which folder a path names now.</summary>
        private static unsafe (uint Major, uint Minor, ulong Inode)? Identify(string path)
        {
            // struct statx has the same layout on every architecture: stx_ino at 32, stx_dev_major and stx_dev_minor at 136.
            var buffer = stackalloc byte[256];
            if (NativeMethods.Statx(AtFdCwd, path, 0, StatxIno, buffer) != 0)
            {
                return null;
            }

            var span = new ReadOnlySpan<byte>(buffer, 256);
            return (BinaryPrimitives.ReadUInt32LittleEndian(span[136..]), BinaryPrimitives.ReadUInt32LittleEndian(span[140..]), BinaryPrimitives.ReadUInt64LittleEndian(span[32..]));
        }

        /// <summary>The length of the file at <paramref name="path"/>, or <see langword="null"/> when it is gone.</summary>
        private static unsafe long? Length(string path)
        {
            var buffer = stackalloc byte[256];
            return NativeMethods.Statx(AtFdCwd, path, 0, StatxSize, buffer) == 0
                ? (long)BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(buffer, 256)[40..])
                : null;
        }

        private static bool SameFolder(string dir, View view) => Identify(dir) == view.Identity;

        private bool EnsureOpen()
        {
            if (_fd >= 0)
            {
                return true;
            }

            if (_unavailable)
            {
                return false;
            }

            _fd = NativeMethods.InotifyInit(InNonBlock | InCloexec);
            _unavailable = _fd < 0; // the per-user limit of instances: every use reads its folder, as without views
            return !_unavailable;
        }

        /// <summary>Applies every queued notification; with <paramref name="once"/>, those one read of the queue gives.</summary>
        private unsafe void Drain(bool once = false)
        {
            while (true)
            {
                nint read;
                fixed (byte* buffer = _events)
                {
                    read = NativeMethods.Read(_fd, buffer, _events.Length);
                }

                QueueReads++;

                if (read < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EIntr)
                    {
                        continue;
                    }

                    if (errno != EAgain)
                    {
                        // Unreadable notifications: nothing can be trusted; every use reads its folder from now on.
                        Dispose();
                    }

                    return;
                }

                var events = _events.AsSpan(0, (int)read);
                while (events.Length >= EventHeaderBytes)
                {
                    var watch = BinaryPrimitives.ReadInt32LittleEndian(events);
                    var mask = BinaryPrimitives.ReadUInt32LittleEndian(events[4..]);
                    var nameBytes = (int)BinaryPrimitives.ReadUInt32LittleEndian(events[12..]);
                    var name = events.Slice(EventHeaderBytes, nameBytes);
                    var end = name.IndexOf((byte)0);
                    Apply(watch, mask, end < 0 ? name : name[..end]);
                    AppliedNotifications++;
                    events = events[(EventHeaderBytes + nameBytes)..];
                }

                if (once || read <= _events.Length - LargestEventBytes)
                {
                    // A read returns every queued notification that fits: with room left for the largest there is, the
                    // queue was empty when it was read, so no change completed before this use is left unapplied, and
                    // another read would only find EAGAIN (or changes made since, as it would a moment later).
                    return;
                }
            }
        }

        private void Apply(int watch, uint mask, ReadOnlySpan<byte> name)
        {
            if ((mask & InQueueOverflow) != 0)
            {
                // Notifications were lost: every view is read again before its next use.
                foreach (var stale in _byFolder.Values)
                {
                    stale.Stale = true;
                    Drop(stale);
                }

                return;
            }

            if (!_byWatch.TryGetValue(watch, out var view))
            {
                return;
            }

            if ((mask & (InIgnored | InDeleteSelf | InMoveSelf | InUnmount)) != 0)
            {
                // The folder is gone from its path (or its watch is): a later use watches whatever is there then.
                Forget(view, removeWatch: (mask & InMoveSelf) != 0);
                return;
            }

            if (!view.Stale && view.Apply(mask, Encoding.UTF8.GetString(name)) is var touched && touched == view.Kept?.Sequence)
            {
                // Any change to the kept file's name (written to, replaced, moved away, deleted): it may no longer be what the
                // name holds, so it is closed, and the next load opens whatever the name holds then.
                Drop(view);
            }
        }

        private void Forget(View view, bool removeWatch)
        {
            Drop(view);
            _byWatch.Remove(view.Watch);
            _byFolder.Remove(view.Folder);
            if (removeWatch)
            {
                _ = NativeMethods.InotifyRemoveWatch(_fd, view.Watch);
            }
        }

        /// <summary>One folder's entries, as <see cref="ScanFolder"/> classifies them.</summary>
        private sealed class View(int watch, string folder, string system, (uint, uint, ulong) identity)
        {
            private readonly Dictionary<long, long> _snapshots = [];
            private readonly HashSet<string> _trash = new(StringComparer.Ordinal);
            private readonly HashSet<string> _temporary = new(StringComparer.Ordinal);
            private bool _quarantine;
            private bool _highWater;

            public int Watch { get; } = watch;

            public string Folder { get; } = folder;

            public (uint, uint, ulong) Identity { get; } = identity;

            public string System { get; } = system;

            /// <summary>The open file of one of its snapshots (the newest when it was kept), or none.</summary>
            public KeptFile? Kept { get; set; }

            /// <summary>The newest snapshot's sequence (0: none).</summary>
            public long Latest => _snapshots.Count == 0 ? 0 : _snapshots.Keys.Max();

            /// <summary>Whether notifications were lost: the folder is watched and read again before the next use.</summary>
            public bool Stale { get; set; }

            /// <summary>When it was last used (a count of uses).</summary>
            public long LastUse { get; set; }

            public void Load(FolderScan scan)
            {
                _snapshots.Clear();
                foreach (var item in scan.Snapshots)
                {
                    _snapshots[item.Sequence] = item.Length;
                }

                _trash.Clear();
                _trash.UnionWith(scan.Trash ?? []);

                _temporary.Clear();
                _temporary.UnionWith(scan.Temporary ?? []);
                _quarantine = scan.Quarantine;
                _highWater = scan.HighWater;
            }

            /// <returns>The snapshot whose name the notification is about, or 0.</returns>
            public long Apply(uint mask, string name)
            {
                var gone = (mask & (InDelete | InMovedFrom)) != 0;
                var appeared = (mask & (InCreate | InMovedTo)) != 0;
                if ((mask & InIsDirectory) != 0)
                {
                    if (name == QuarantineFolder && (gone || appeared))
                    {
                        _quarantine = appeared;
                    }

                    return 0;
                }

                if (TryParseSequence(name, System, out var sequence))
                {
                    // Appeared or written to: its length now (gone since, it is dropped, as its own notification will say).
                    if (!gone && Length(Path.Combine(Folder, name)) is { } length)
                    {
                        _snapshots[sequence] = length;
                    }
                    else
                    {
                        _snapshots.Remove(sequence);
                    }

                    return sequence;
                }
                else if (name.StartsWith(TrashPrefix, StringComparison.Ordinal))
                {
                    Track(_trash, name, gone, appeared);
                }
                else if (name.StartsWith(TempPrefix, StringComparison.Ordinal))
                {
                    Track(_temporary, name, gone, appeared);
                }
                else if (name == HighWaterFileName && (gone || appeared))
                {
                    _highWater = appeared;
                }

                return 0;
            }

            /// <param name="snapshotLengths">As for <see cref="ScanFolder"/>: whether <see cref="FolderScan.Snapshots"/> is filled.</param>
            public FolderScan ToScan(bool snapshotLengths)
            {
                var snapshots = new List<StoredSnapshotRef>(snapshotLengths ? _snapshots.Count : 0);
                long latest = 0;
                foreach (var (sequence, length) in _snapshots)
                {
                    if (snapshotLengths)
                    {
                        snapshots.Add(new StoredSnapshotRef(sequence, length));
                    }

                    latest = Math.Max(latest, sequence);
                }

                return new FolderScan(snapshots, latest, _trash.Count > 0 ? [.. _trash] : null, _temporary.Count > 0 ? [.. _temporary] : null, _quarantine, _highWater);
            }

            private static void Track(HashSet<string> names, string name, bool gone, bool appeared)
            {
                if (appeared)
                {
                    names.Add(name);
                }
                else if (gone)
                {
                    names.Remove(name);
                }
            }
        }
    }

    /// <summary>
    /// A snapshot file a folder view keeps open (the newest of its folder, as a save wrote it or a load found it), so that a
    /// load of the newest reads it with one positioned read instead of opening its path, checking it and closing it again
    /// (about 13 µs against 4 µs for 1 KiB with cold caches). It is exactly what opening the name would give: it was opened
    /// after every notification queued until then was applied, and any later change to the name (written to, replaced,
    /// moved away, deleted) is notified, and applying that notification closes it. A snapshot file is never written in place,
    /// so one left open is rarely closed for anything but the next save.
    /// </summary>
    internal sealed class KeptFile : SafeHandleMinusOneIsInvalid
    {
        internal KeptFile(int descriptor, long sequence, long length, string path)
            : base(ownsHandle: true)
        {
            SetHandle(descriptor);
            Sequence = sequence;
            Length = length;
            Path = path;
        }

        /// <summary>The snapshot whose file this is.</summary>
        public long Sequence { get; }

        /// <summary>The file's length when it was opened.</summary>
        public long Length { get; }

        /// <summary>Its path, for messages.</summary>
        public string Path { get; }

        /// <summary>Reads the file's first <see cref="Length"/> bytes into <paramref name="buffer"/>.</summary>
        /// <returns>The bytes read: fewer if the file is shorter now.</returns>
        /// <exception cref="IOException">The read failed.</exception>
        public int Read(byte[] buffer) => NativeMethods.ReadFrom((int)handle, buffer, (int)Length, Path);

        protected override bool ReleaseHandle()
        {
            NativeMethods.CloseDescriptor((int)handle);
            return true;
        }
    }
}
