using System.Text.Json;
using BenchmarkDotNet.Attributes;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Secrets;
using StateVault.Storage;

namespace StateVault.Benchmarks;

/// <summary>Save and load through the vault on the file store (durable), with the default options.</summary>
[MemoryDiagnoser]
public class SaveLoadBenchmarks
{
    private string _root = string.Empty;
    private ISnapshotStore _store = null!;
    private SnapshotVault _vault = null!;
    private BenchState _state = null!;

    /// <summary>Approximate JSON size of the state.</summary>
    [Params(1024, 64 * 1024, 1024 * 1024)]
    public int Bytes { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _root = Path.Combine(Path.GetTempPath(), $"sv-bdn-{Guid.NewGuid():N}");
        _store = FileSnapshotStoreProvider.Create(new FileSnapshotStoreOptions { RootPath = _root, Durable = true });
        _vault = new SnapshotVault(_store);
        _state = BenchState.OfSize(Bytes);
        await _vault.SaveAsync("bench", _state);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _vault.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark]
    public Task<SnapshotMetadata> SaveAsync() => _vault.SaveAsync("bench", _state);

    [Benchmark]
    public Task<LoadResult<BenchState>?> LoadLatestAsync() => _vault.LoadLatestAsync<BenchState>("bench");
}

/// <summary>Envelope creation and full verification.</summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks
{
    private byte[] _payload = [];
    private byte[] _envelope = [];
    private SnapshotHeader _header = null!;

    [Params(1024, 64 * 1024, 1024 * 1024)]
    public int Bytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = JsonSerializer.SerializeToUtf8Bytes(BenchState.OfSize(Bytes), new SnapshotVaultOptions().JsonOptions);
        _header = new SnapshotHeader
        {
            System = "bench", Sequence = 1, CreatedUtc = DateTimeOffset.UnixEpoch, SchemaVersion = 1, StateType = "BenchState",
            Codec = SnapshotCodecs.Identity, StoredLength = _payload.Length, RawLength = _payload.Length, Sha256 = SnapshotEnvelope.Sha256Hex(_payload),
        };
        _envelope = SnapshotEnvelope.Create(_header, _payload).ToArray();
    }

    [Benchmark]
    public EnvelopeBytes Create() => SnapshotEnvelope.Create(_header with { Sha256 = SnapshotEnvelope.Sha256Hex(_payload) }, _payload);

    [Benchmark]
    public int Decode() => SnapshotEnvelope.Decode(_envelope).Payload.Length;

    [Benchmark]
    public int SecretScan() => SecretScanner.Scan(_payload).Count;
}

/// <summary>Each codec on a state's JSON.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private byte[] _raw = [];
    private ReadOnlyMemory<byte> _encoded;

    [Params(SnapshotCodecs.Gzip, SnapshotCodecs.Brotli, SnapshotCodecs.Zstd)]
    public string Codec { get; set; } = SnapshotCodecs.Zstd;

    [GlobalSetup]
    public void Setup()
    {
        _raw = JsonSerializer.SerializeToUtf8Bytes(BenchState.OfSize(1024 * 1024), new SnapshotVaultOptions().JsonOptions);
        _encoded = SnapshotCodecs.Encode(Codec, _raw);
    }

    [Benchmark]
    public int Encode() => SnapshotCodecs.Encode(Codec, _raw).Length;

    [Benchmark]
    public int Decode() => SnapshotCodecs.Decode(Codec, _encoded, _raw.Length).Length;
}
