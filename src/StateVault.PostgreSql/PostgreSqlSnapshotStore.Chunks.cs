using System.Data;
using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using StateVault.Storage;

namespace StateVault.PostgreSql;

/// <summary>The chunk table of the PostgreSQL store (<see cref="ISnapshotStoreWithChunks"/>).</summary>
internal sealed partial class PostgreSqlSnapshotStore
{
    public Task PutChunkAsync(string system, string chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ChunkId.Validate(chunkId, nameof(chunkId));
        return RunAsync("put chunk", system, async ct =>
        {
            // One statement, so one atomic and durable commit. The time is the server's (every instance agrees on it) and
            // GREATEST keeps it from moving back should the server's clock step back.
            await using var command = _dataSource.CreateCommand($"""
                INSERT INTO {_s}.statevault_chunks AS c (system, id, stored_utc, data) VALUES (@system, @id, clock_timestamp(), @data)
                ON CONFLICT (system, id) DO UPDATE SET data = excluded.data, stored_utc = GREATEST(c.stored_utc, excluded.stored_utc)
                """);
            AddChunkKey(command, system, chunkId);
            command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("data", NpgsqlDbType.Bytea) { TypedValue = data });
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task<StoredChunk?> ReadChunkAsync(string system, string chunkId, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ChunkId.Validate(chunkId, nameof(chunkId));
        return RunAsync<StoredChunk?>("read chunk", system, async ct =>
        {
            await using var command = _dataSource.CreateCommand($"SELECT stored_utc, data FROM {_s}.statevault_chunks WHERE system = @system AND id = @id");
            AddChunkKey(command, system, chunkId);
            // Sequential access: the columns are read in order and the bytea goes straight into the result.
            var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    return null;
                }

                var stored = await reader.GetFieldValueAsync<DateTimeOffset>(0, ct).ConfigureAwait(false);
                var bytes = await reader.GetFieldValueAsync<byte[]>(1, ct).ConfigureAwait(false);
                return new StoredChunk(bytes, stored);
            }
        }, cancellationToken);
    }

    public async IAsyncEnumerable<StoredChunkRef> ListChunksAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var refs = await RunAsync("list chunks", system, async ct =>
        {
            var list = new List<StoredChunkRef>();
            // octet_length reads the TOAST pointer's size, not the value.
            await using var command = _dataSource.CreateCommand($"SELECT id, octet_length(data), stored_utc FROM {_s}.statevault_chunks WHERE system = @system");
            command.Parameters.Add(new NpgsqlParameter<string>("system", system));
            var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    var id = reader.GetString(0);
                    // A row written by other means with an id this store would refuse is not a chunk the engine could ask for.
                    if (ChunkId.IsValid(id))
                    {
                        list.Add(new StoredChunkRef(id, reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(2)));
                    }
                }
            }

            return list;
        }, cancellationToken).ConfigureAwait(false);

        foreach (var item in refs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }
    }

    public Task<bool> DeleteChunkAsync(string system, string chunkId, DateTimeOffset storedBefore, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ChunkId.Validate(chunkId, nameof(chunkId));
        return RunAsync("delete chunk", system, async ct =>
        {
            // One DELETE with the condition in it: a put of the same chunk that commits first makes the row newer, and
            // PostgreSQL re-checks the condition on that newer row before deleting (so it stays); one that comes later
            // waits for this delete and inserts the chunk afresh.
            await using var command = _dataSource.CreateCommand($"DELETE FROM {_s}.statevault_chunks WHERE system = @system AND id = @id AND stored_utc < @before");
            AddChunkKey(command, system, chunkId);
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("before", NpgsqlDbType.TimestampTz) { TypedValue = storedBefore.ToUniversalTime() });
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
        }, cancellationToken);
    }

    private static void AddChunkKey(NpgsqlCommand command, string system, string chunkId)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("system", system));
        command.Parameters.Add(new NpgsqlParameter<string>("id", chunkId));
    }
}
