using Npgsql;
using StateVault.Storage;
using Xunit;

namespace StateVault.PostgreSql.Tests;

/// <summary>URI mapping and error classification; no server needed.</summary>
public sealed class PostgreSqlSnapshotStoreProviderTests
{
    private const string Secret = "Pa55:w@rd/with?odd&chars";

    [Fact]
    public void ParseUri_FullUri_MapsEveryPart()
    {
        var sut = PostgreSqlSnapshotStoreProvider.ParseUri("postgresql://app:s%40cret@db.example:6543/orders?schema=vault_1&sslmode=require&connect_timeout=7&command_timeout=90&application_name=svc");

        var builder = new NpgsqlConnectionStringBuilder(sut.ConnectionString);
        Assert.Equal("db.example", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("orders", builder.Database);
        Assert.Equal("app", builder.Username);
        Assert.Equal("s@cret", builder.Password);
        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.Equal("svc", builder.ApplicationName);
        Assert.Equal("vault_1", sut.Schema);
        Assert.Equal(TimeSpan.FromSeconds(7), sut.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), sut.CommandTimeout);
    }

    [Fact]
    public void ParseUri_ShortSchemeWithoutPortOrPassword_UsesDefaults()
    {
        var sut = PostgreSqlSnapshotStoreProvider.ParseUri("postgres://app@localhost/db");

        var builder = new NpgsqlConnectionStringBuilder(sut.ConnectionString);
        Assert.Equal("localhost", builder.Host);
        Assert.Equal(5432, builder.Port);
        Assert.Null(builder.Password);
        Assert.Equal("statevault", sut.Schema);
    }

    [Fact]
    public void ParseUri_EncodedPasswordWithReservedCharacters_IsDecoded()
    {
        var sut = PostgreSqlSnapshotStoreProvider.ParseUri($"postgresql://app:{Uri.EscapeDataString(Secret)}@h/db");

        Assert.Equal(Secret, new NpgsqlConnectionStringBuilder(sut.ConnectionString).Password);
    }

    [Theory]
    [InlineData("postgresql://u@[::1]:5433/db", "::1", 5433)]
    [InlineData("postgresql://u@h1:5001,h2:5002/db", "h1:5001,h2:5002", 5432)]
    [InlineData("postgresql://u@ignored/db?host=/var/run/postgresql", "/var/run/postgresql", 5432)]
    public void ParseUri_HostForms_AreMapped(string uri, string host, int port)
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgreSqlSnapshotStoreProvider.ParseUri(uri).ConnectionString);

        Assert.Equal(host, builder.Host);
        Assert.Equal(port, builder.Port);
    }

    [Theory]
    [InlineData("mysql://u:SECRETPW@h/db", "postgresql://")]
    [InlineData("postgresql://u:SECRETPW@/db", "no host")]
    [InlineData("postgresql://u:SECRETPW@h:99999/db", "port")]
    [InlineData("postgresql://u:SECRETPW@h/db?schema=Bad-Name", "Schema")]
    [InlineData("postgresql://u:SECRETPW@h/db?sslmode=sometimes", "sslmode")]
    [InlineData("postgresql://u:SECRETPW@h/db?command_timeout=0", "command_timeout")]
    [InlineData("postgresql://u:SECRETPW@h/db?pasword=SECRETPW", "unknown parameter 'pasword'")]
    [InlineData("postgresql://u:SECRET@PW@h/db/extra", "one database name")]
    [InlineData("postgresql://u:SECRET/PW@h/db", "one database name")]
    public void ParseUri_Malformed_ThrowsArgumentExceptionWithoutThePassword(string uri, string reason)
    {
        var ex = Assert.Throws<ArgumentException>(() => PostgreSqlSnapshotStoreProvider.ParseUri(uri));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PW@", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Factory_BothSchemes_OpenThePostgreSqlStoreWithoutConnecting()
    {
        var factory = new SnapshotStoreFactory([new PostgreSqlSnapshotStoreProvider()]);

        await using var longForm = factory.Open("postgresql://u@127.0.0.1:1/db");
        await using var shortForm = factory.Open("postgres://u@127.0.0.1:1/db");

        Assert.Equal("postgresql", longForm.Kind);
        Assert.Equal("postgresql", shortForm.Kind);
    }

    [Theory]
    [InlineData("57P01", true)] // admin shutdown
    [InlineData("57P03", true)] // cannot connect now (starting up)
    [InlineData("08006", true)] // connection failure
    [InlineData("40001", true)] // serialization failure
    [InlineData("53300", true)] // too many connections
    [InlineData("23505", false)] // unique violation
    [InlineData("42P01", false)] // undefined table
    [InlineData("42501", false)] // insufficient privilege
    public void IsTransient_ServerError_FollowsItsSqlState(string sqlState, bool transient) =>
        Assert.Equal(transient, PostgreSqlSnapshotStore.IsTransient(new PostgresException("m", "FATAL", "FATAL", sqlState)));

    [Fact]
    public void IsTransient_ConnectionLossAndTimeout_AreTransient()
    {
        Assert.True(PostgreSqlSnapshotStore.IsTransient(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));
        Assert.True(PostgreSqlSnapshotStore.IsTransient(new NpgsqlException("Timeout", new TimeoutException())));
        Assert.True(PostgreSqlSnapshotStore.IsTransient(new System.Net.Sockets.SocketException(111)));
        Assert.False(PostgreSqlSnapshotStore.IsTransient(new NpgsqlException("bad")));
    }
}
