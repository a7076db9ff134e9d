using Npgsql;
using StateVault.TestKit;

namespace StateVault.PostgreSql.Tests;

/// <summary>The test PostgreSQL server (STATEVAULT_TEST_POSTGRES); each test class works in schemas of its own.</summary>
internal static class PostgresBackend
{
    public const string Variable = "STATEVAULT_TEST_POSTGRES";

    /// <summary>The server's URI, or skips (fails in CI) when it is not set.</summary>
    public static string ServerUri => Backend.RequireEnvironment(Variable, "PostgreSQL");

    /// <summary>A fresh schema name for one test.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>The store URI for <paramref name="schema"/>, with extra query parameters.</summary>
    public static string UriFor(string schema, string extraQuery = "")
    {
        var uri = ServerUri;
        var separator = uri.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        return $"{uri}{separator}schema={schema}{(extraQuery.Length > 0 ? "&" + extraQuery : "")}";
    }

    /// <summary>A direct connection, bypassing the store (to inspect or damage rows).</summary>
    public static async Task<NpgsqlConnection> OpenRawAsync()
    {
        var connection = new NpgsqlConnection(PostgreSqlSnapshotStoreProvider.ParseUri(ServerUri).ConnectionString + ";Pooling=false");
        await connection.OpenAsync();
        return connection;
    }

    public static async Task<object?> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenRawAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteScalarAsync();
    }

    public static async Task DropSchemaAsync(string schema)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
        {
            return;
        }

        await ScalarAsync($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
    }
}
