using Microsoft.Data.Sqlite;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Sqlite.Tests;

public sealed class SqliteSnapshotStoreTests : SnapshotStoreConformanceTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sv-sqlite-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_folder, "statevault.db");

    protected override Task<ISnapshotStore> CreateStoreAsync() => Task.FromResult(new SqliteSnapshotStoreProvider().Open("sqlite:" + DatabasePath, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System));

    protected override Task<ISnapshotStore?> CreateSecondInstanceAsync() => Task.FromResult<ISnapshotStore?>(SqliteSnapshotStoreProvider.Create(new SqliteSnapshotStoreOptions { DatabasePath = DatabasePath }));

    protected override async Task TamperAsync(string system, long sequence, Func<byte[], byte[]> tamper)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT envelope FROM snapshots WHERE system = $s AND sequence = $q";
        read.Parameters.AddWithValue("$s", system);
        read.Parameters.AddWithValue("$q", sequence);
        var bytes = (byte[])(await read.ExecuteScalarAsync())!;
        using var write = connection.CreateCommand();
        write.CommandText = "UPDATE snapshots SET envelope = $e WHERE system = $s AND sequence = $q";
        write.Parameters.AddWithValue("$e", tamper(bytes));
        write.Parameters.AddWithValue("$s", system);
        write.Parameters.AddWithValue("$q", sequence);
        Assert.Equal(1, await write.ExecuteNonQueryAsync());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
