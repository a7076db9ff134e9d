using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.PostgreSql.Tests;

public sealed class PostgreSqlSnapshotStoreTests : SnapshotStoreConformanceTests
{
    private readonly string _schema = PostgresBackend.NewSchema();

    protected override Task<ISnapshotStore> CreateStoreAsync() =>
        Task.FromResult(new PostgreSqlSnapshotStoreProvider().Open(PostgresBackend.UriFor(_schema), NullLoggerFactory.Instance, TimeProvider.System));

    protected override Task<ISnapshotStore?> CreateSecondInstanceAsync() =>
        Task.FromResult<ISnapshotStore?>(PostgreSqlSnapshotStoreProvider.Create(PostgreSqlSnapshotStoreProvider.ParseUri(PostgresBackend.UriFor(_schema))));

    protected override async Task TamperAsync(string system, long sequence, Func<byte[], byte[]> tamper)
    {
        await using var connection = await PostgresBackend.OpenRawAsync();
        await using var read = new NpgsqlCommand($"SELECT envelope FROM \"{_schema}\".snapshots WHERE system = @s AND sequence = @q", connection);
        read.Parameters.AddWithValue("s", system);
        read.Parameters.AddWithValue("q", sequence);
        var bytes = (byte[])(await read.ExecuteScalarAsync())!;
        await using var write = new NpgsqlCommand($"UPDATE \"{_schema}\".snapshots SET envelope = @e WHERE system = @s AND sequence = @q", connection);
        write.Parameters.AddWithValue("e", tamper(bytes));
        write.Parameters.AddWithValue("s", system);
        write.Parameters.AddWithValue("q", sequence);
        Assert.Equal(1, await write.ExecuteNonQueryAsync());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await PostgresBackend.DropSchemaAsync(_schema);
    }
}
