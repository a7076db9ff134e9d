using Microsoft.Extensions.Time.Testing;
using StateVault.Storage;

namespace StateVault.Tests.Support;

/// <summary>
/// A file store in a temp folder, a fake clock, a capturing logger and a private meter: everything a vault test needs.
/// The store skips fsync (speed); the durability of the real path is shown by the crash test.
/// </summary>
internal sealed class VaultHarness : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    public VaultHarness(bool durable = false)
    {
        Folder = new TempFolder("sv-vault");
        Store = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = Folder.Path, Durable = durable });
    }

    public TempFolder Folder { get; }

    public ISnapshotStore Store { get; }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public ListLogger<SnapshotVault> Logger { get; } = new();

    public MetricsRecorder Metrics { get; } = new();

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A vault over <see cref="Store"/> (or <paramref name="store"/>) with no retry delay.</summary>
    public SnapshotVault CreateVault(Action<SnapshotVaultOptions>? configure = null, ISnapshotStore? store = null)
    {
        var options = new SnapshotVaultOptions { RetryBaseDelay = TimeSpan.Zero, Producer = "tests" };
        configure?.Invoke(options);
        var vault = new SnapshotVault(store ?? Store, options, Logger, Clock, Metrics);
        _owned.Add(vault);
        return vault;
    }

    public string SystemFolder(string system) => Path.Combine(Folder.Path, system);

    public string SnapshotPath(string system, long sequence) =>
        Path.Combine(SystemFolder(system), $"{system}-{sequence:D19}.svsnap");

    /// <summary>The sequences present as snapshot files (not quarantined).</summary>
    public long[] StoredSequences(string system) =>
        Directory.Exists(SystemFolder(system))
            ? Directory.GetFiles(SystemFolder(system), "*.svsnap").Select(f => long.Parse(Path.GetFileNameWithoutExtension(f)[(system.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Order().ToArray()
            : [];

    public string[] QuarantinedFiles(string system)
    {
        var folder = Path.Combine(SystemFolder(system), ".quarantine");
        return Directory.Exists(folder) ? Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray() : [];
    }

    /// <summary>Flips one payload byte of a stored snapshot, as disk damage would.</summary>
    public void Corrupt(string system, long sequence)
    {
        var path = SnapshotPath(system, sequence);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(path, bytes);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var item in _owned)
        {
            await item.DisposeAsync();
        }

        await Store.DisposeAsync();
        Metrics.Dispose();
        Folder.Dispose();
    }
}
