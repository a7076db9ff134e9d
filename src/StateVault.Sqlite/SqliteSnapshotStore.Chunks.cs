using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using StateVault.Storage;

namespace StateVault.Sqlite;

/// <summary>The chunk table of the SQLite store (<see cref="ISnapshotStoreWithChunks"/>).</summary>
internal sealed partial class SqliteSnapshotStore
{
    public Task PutChunkAsync(string system, string chunkId, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ChunkId.Validate(chunkId, nameof(chunkId));
        return RunAsync("put chunk", system, write: true, async (connection, ct) =>
        {
            // One BEGIN IMMEDIATE transaction, committed with synchronous=FULL like an append: after a crash the chunk is
            // either whole (its BLOB and its time) or as it was before.
            using var transaction = connection.BeginTransaction(deferred: false);
            long rowId;
            using (var upsert = Command(connection, transaction, """
                INSERT INTO chunks (system, id, stored_utc, data) VALUES ($system, $id, $now, zeroblob($length))
                ON CONFLICT (system, id) DO UPDATE SET stored_utc = max(stored_utc, excluded.stored_utc), data = excluded.data
                RETURNING rowid
                """, system))
            {
                // max(): a clock stepped back must not move a chunk's time before a cut-off it was already past.
                upsert.Parameters.AddWithValue("$id", chunkId);
                upsert.Parameters.AddWithValue("$now", _time.GetUtcNow().UtcTicks);
                upsert.Parameters.AddWithValue("$length", data.Length);
                rowId = Convert.ToInt64(await upsert.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            using (var blob = new SqliteBlob(connection, "chunks", "data", rowId))
            {
                await blob.WriteAsync(data, ct).ConfigureAwait(false);
            }

            // An overwrite freed the old copy's pages: give them back in this same commit.
            await ReclaimFreePagesAsync(connection, transaction, ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            CommitWrite(transaction);
            return true;
        }, cancellationToken);
    }

    public Task<StoredChunk?> ReadChunkAsync(string system, string chunkId, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        ChunkId.Validate(chunkId, nameof(chunkId));
        return RunAsync<StoredChunk?>("read chunk", system, write: false, async (connection, ct) =>
        {
            // One read transaction: the row cannot change between finding it and streaming its BLOB.
            using var transaction = connection.BeginTransaction(deferred: true);
            long rowId;
            long length;
            long ticks;
            using (var find = Command(connection, transaction, "SELECT rowid, length(data), stored_utc FROM chunks WHERE system = $system AND id = $id", system))
            {
                find.Parameters.AddWithValue("$id", chunkId);
                using var reader = await find.ExecuteReaderAsync(ct).ConfigureAwait(false);
                if (!await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    return null;
                }

                rowId = reader.GetInt64(0);
                length = reader.GetInt64(1);
                ticks = reader.GetInt64(2);
            }

            var bytes = new byte[length];
            using (var blob = new SqliteBlob(connection, "chunks", "data", rowId, readOnly: true))
            {
                await blob.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
            }

            transaction.Commit();
            return new StoredChunk(bytes, FromTicks(ticks));
        }, cancellationToken);
    }

    public async IAsyncEnumerable<StoredChunkRef> ListChunksAsync(string system, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        var refs = await RunAsync("list chunks", system, write: false, async (connection, ct) =>
        {
            var list = new List<StoredChunkRef>();
            using var command = Command(connection, null, "SELECT id, length(data), stored_utc FROM chunks WHERE system = $system", system);
            using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var id = reader.GetString(0);
                // A row written by other means with an id this store would refuse is not a chunk the engine could ask for.
                if (ChunkId.IsValid(id))
                {
                    list.Add(new StoredChunkRef(id, reader.GetInt64(1), FromTicks(reader.GetInt64(2))));
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
        return RunAsync("delete chunk", system, write: true, async (connection, ct) =>
        {
            // The condition is part of the one DELETE under the write lock: a put of the same chunk either committed
            // before (its time is then at or past the cut-off, so the row stays) or waits for this commit.
            using var transaction = connection.BeginTransaction(deferred: false);
            using (var delete = Command(connection, transaction, "DELETE FROM chunks WHERE system = $system AND id = $id AND stored_utc < $before", system))
            {
                delete.Parameters.AddWithValue("$id", chunkId);
                delete.Parameters.AddWithValue("$before", storedBefore.UtcTicks);
                if (await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
                {
                    return false;
                }
            }

            await ReclaimFreePagesAsync(connection, transaction, ct).ConfigureAwait(false);
            CommitWrite(transaction);
            return true;
        }, cancellationToken);
    }

    /// <summary>A stored time back from UTC ticks; a value out of range (written by other means) is clamped, not fatal.</summary>
    private static DateTimeOffset FromTicks(long ticks) =>
        new(Math.Clamp(ticks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);
}
