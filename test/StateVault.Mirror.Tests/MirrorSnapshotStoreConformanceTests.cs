using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.Mirror.Tests;

/// <summary>The shared store conformance suite against a file → file mirror (replicating in the background while it runs).</summary>
public sealed class MirrorSnapshotStoreConformanceTests : SnapshotStoreConformanceTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sv-mirror-" + Guid.NewGuid().ToString("N"));

    private MirrorSnapshotStore CreateMirror() => new(
        FileSnapshotStoreProvider.Create(Path.Combine(_root, "primary")),
        FileSnapshotStoreProvider.Create(Path.Combine(_root, "secondary")),
        ownsStores: true);

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
