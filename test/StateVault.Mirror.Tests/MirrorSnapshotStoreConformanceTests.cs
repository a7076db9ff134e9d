using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.Mirror.Tests;

/// <summary>
/// The shared store conformance suite against a file → file mirror (replicating in the background while it runs). Both
/// sides keep chunks in memory over the file stores (<see cref="MemoryChunksStore"/>, shared by every instance of this
/// test like a folder would be), so the chunk facts run through the mirror.
/// </summary>
public sealed class MirrorSnapshotStoreConformanceTests : SnapshotStoreConformanceTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sv-mirror-" + Guid.NewGuid().ToString("N"));
    private MemoryChunksStore? _primaryChunks;
    private MemoryChunksStore? _secondaryChunks;

    private MirrorSnapshotStore CreateMirror()
    {
        var primary = new MemoryChunksStore(FileSnapshotStoreProvider.Create(Path.Combine(_root, "primary")), shareChunksWith: _primaryChunks);
        var secondary = new MemoryChunksStore(FileSnapshotStoreProvider.Create(Path.Combine(_root, "secondary")), shareChunksWith: _secondaryChunks);
        _primaryChunks ??= primary;
        _secondaryChunks ??= secondary;
        return new MirrorSnapshotStore(primary, secondary, ownsStores: true);
    }

    protected override Task<ISnapshotStore> CreateStoreAsync() => Task.FromResult<ISnapshotStore>(CreateMirror());

    protected override Task<ISnapshotStore?> CreateSecondInstanceAsync() => Task.FromResult<ISnapshotStore?>(CreateMirror());

    protected override async Task TamperAsync(string system, long sequence, Func<byte[], byte[]> tamper)
    {
        var path = Directory.GetFiles(Path.Combine(_root, "primary", system), $"*{sequence:D19}.svsnap").Single();
        await File.WriteAllBytesAsync(path, tamper(await File.ReadAllBytesAsync(path)));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
