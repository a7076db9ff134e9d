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

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
