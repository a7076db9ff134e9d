using Npgsql;
using StateVault.Hosting.Ownership;

namespace StateVault.Server.Ownership;

/// <summary>
/// Leases as rows of <c>&lt;schema&gt;.statevault_leases</c> on the store's PostgreSQL: one row per system with the owner's id and URL,
/// the expiry (database clock, so instances' clocks do not matter) and a fencing token incremented on every take-over. A lease is
/// taken with one statement (<c>INSERT … ON CONFLICT DO UPDATE … WHERE expired OR owner = me</c>), so two instances never both win.
/// </summary>
internal sealed class PostgreSqlLeaseProvider : ISystemLeaseProvider, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly string _schema;
    private readonly SemaphoreSlim _ready = new(1, 1);
    private bool _created;

    public PostgreSqlLeaseProvider(string connectionString, string schema)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _schema = "\"" + schema + "\"";
        _table = _schema + ".statevault_leases";
    }

    public string Kind => "postgresql-lease-row";

    public async Task<SystemLease?> TryAcquireAsync(string system, string ownerId, string? ownerUrl, TimeSpan duration, TimeSpan takeoverDelay, CancellationToken cancellationToken)
    {
        SystemName.Validate(system);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(
            $"""
            INSERT INTO {_table} AS l (system, owner_id, owner_url, token, since_utc, expires_utc)
            VALUES (@system, @owner, @url, 1, now(), now() + @duration)
            ON CONFLICT (system) DO UPDATE SET
                token = CASE WHEN l.owner_id = EXCLUDED.owner_id THEN l.token ELSE l.token + 1 END,
                since_utc = CASE WHEN l.owner_id = EXCLUDED.owner_id THEN l.since_utc ELSE now() END,
                owner_id = EXCLUDED.owner_id,
                owner_url = EXCLUDED.owner_url,
                expires_utc = EXCLUDED.expires_utc
            WHERE l.owner_id = EXCLUDED.owner_id OR l.expires_utc + @takeover < now()
            RETURNING token, since_utc
            """);
        command.Parameters.AddWithValue("system", system);
        command.Parameters.AddWithValue("owner", ownerId);
        command.Parameters.AddWithValue("url", (object?)ownerUrl ?? DBNull.Value);
        command.Parameters.AddWithValue("duration", duration);
        command.Parameters.AddWithValue("takeover", takeoverDelay);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new SystemLease(system, ownerId, ownerUrl, reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
    }

    public async Task<bool> RenewAsync(SystemLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await using var command = _dataSource.CreateCommand(
            $"UPDATE {_table} SET expires_utc = now() + @duration WHERE system = @system AND owner_id = @owner AND token = @token");
        command.Parameters.AddWithValue("system", lease.System);
        command.Parameters.AddWithValue("owner", lease.OwnerId);
        command.Parameters.AddWithValue("token", lease.Token);
        command.Parameters.AddWithValue("duration", duration);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task ReleaseAsync(SystemLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        // The row stays (its token keeps growing); only the expiry goes, so the next instance takes over at once.
        await using var command = _dataSource.CreateCommand(
            $"UPDATE {_table} SET expires_utc = now() - interval '1 day' WHERE system = @system AND owner_id = @owner AND token = @token");
        command.Parameters.AddWithValue("system", lease.System);
        command.Parameters.AddWithValue("owner", lease.OwnerId);
        command.Parameters.AddWithValue("token", lease.Token);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<SystemLease?> GetHolderAsync(string system, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _dataSource.CreateCommand(
            $"SELECT owner_id, owner_url, token, since_utc FROM {_table} WHERE system = @system AND expires_utc > now()");
        command.Parameters.AddWithValue("system", system);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new SystemLease(system, reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3));
    }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _ready.Dispose();
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created))
        {
            return;
        }

        await _ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_created)
            {
                return;
            }

            await using var command = _dataSource.CreateCommand(
                $"""
                CREATE SCHEMA IF NOT EXISTS {_schema};
                CREATE TABLE IF NOT EXISTS {_table} (
                    system text PRIMARY KEY,
                    owner_id text NOT NULL,
                    owner_url text NULL,
                    token bigint NOT NULL,
                    since_utc timestamptz NOT NULL,
                    expires_utc timestamptz NOT NULL)
                """);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.DuplicateSchema)
            {
                // Another instance created it at the same moment.
            }

            Volatile.Write(ref _created, true);
        }
        finally
        {
            _ready.Release();
        }
    }
}
