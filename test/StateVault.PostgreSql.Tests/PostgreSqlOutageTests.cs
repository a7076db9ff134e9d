using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using StateVault.Retention;
using StateVault.TestKit;
using Xunit;

namespace StateVault.PostgreSql.Tests;

[Collection(PostgreSqlOutageCollection.Name)]
[Trait("Category", "Outage")]
public sealed class PostgreSqlOutageTests : IAsyncLifetime
{
    private const string Secret = "Outage-Pa55word";

    private readonly string _schema = PostgresBackend.NewSchema();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await PostgresBackend.DropSchemaAsync(_schema);

    [Fact]
    public async Task Save_WhileTheServerIsStoppedThenRestarted_FailsTransientThenSucceedsAndKeepsEveryAcknowledgedSnapshot()
    {
        var pgCtl = Backend.RequireEnvironment("STATEVAULT_TEST_PG_CTL", "A PostgreSQL server this test may stop and start");
        var options = PostgreSqlSnapshotStoreProvider.ParseUri(PostgresBackend.UriFor(_schema, "connect_timeout=3&command_timeout=15"));
        // Trust authentication ignores it, but the store must still never show it.
        options.ConnectionString = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Password = Secret }.ConnectionString;
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        await using var store = PostgreSqlSnapshotStoreProvider.Create(options, loggerFactory);
        await using var vault = new SnapshotVault(store, new SnapshotVaultOptions
        {
            Retention = RetentionPolicy.KeepAll,
            MaxRetryAttempts = 2,
            RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        });
        var acknowledged = new List<(string System, long Sequence, string Json)>();
        async Task SaveAsync(string system, string json)
        {
            var saved = await vault.SaveJsonAsync(system, Encoding.UTF8.GetBytes(json), cancellationToken: Ct);
            acknowledged.Add((system, saved.Sequence, json));
        }

        for (var i = 0; i < 3; i++)
        {
            await SaveAsync(i % 2 == 0 ? "alpha" : "beta", $$"""{"phase":"before","i":{{i}}}""");
        }

        var failures = new List<SnapshotStoreException>();
        try
        {
            await PgCtlAsync(pgCtl, "stop");

            for (var i = 0; i < 3; i++)
            {
                // Bounded: a store that hangs on a dead server fails here instead of blocking the run.
                failures.Add(await Assert.ThrowsAsync<SnapshotStoreException>(() => SaveAsync("alpha", $$"""{"phase":"outage","i":{{i}}}"""))
                    .WaitAsync(TimeSpan.FromMinutes(1), Ct));
            }

            failures.Add(await Assert.ThrowsAsync<SnapshotStoreException>(() => vault.LoadLatestJsonAsync("alpha", Ct)).WaitAsync(TimeSpan.FromMinutes(1), Ct));
        }
        finally
        {
            // Other tests share this server: bring it back whatever happened above.
            await PgCtlAsync(pgCtl, "start");
        }

        foreach (var failure in failures)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"during the outage: {failure.Message}");
        }

        Assert.All(failures, f => Assert.True(f.IsTransient, f.Message));
        for (var i = 0; i < 3; i++)
        {
            await SaveAsync(i % 2 == 0 ? "alpha" : "beta", $$"""{"phase":"after","i":{{i}}}""");
        }

        // Nothing acknowledged was lost, and nothing of the failed saves was half-written: numbers run on without gaps.
        Assert.Equal([1L, 2, 3, 4], acknowledged.Where(a => a.System == "alpha").Select(a => a.Sequence));
        Assert.Equal([1L, 2], acknowledged.Where(a => a.System == "beta").Select(a => a.Sequence));
        foreach (var (system, sequence, json) in acknowledged)
        {
            var loaded = await vault.LoadJsonAsync(system, sequence, Ct);
            Assert.Equal(json, Encoding.UTF8.GetString(loaded!.Json.Span));
        }

        Assert.Empty((await vault.VerifyAsync(cancellationToken: Ct)).Damaged);
        foreach (var failure in failures)
        {
            for (Exception? e = failure; e is not null; e = e.InnerException)
            {
                Assert.DoesNotContain(Secret, e.Message, StringComparison.Ordinal);
            }
        }

        Assert.DoesNotContain(logs.Entries, entry => entry.Contains(Secret, StringComparison.Ordinal));
    }

    private static async Task PgCtlAsync(string pgCtl, string verb)
    {
        var info = new ProcessStartInfo(pgCtl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(verb);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        // Not the test's token: a cancelled run must still restart the shared server.
        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.True(process.ExitCode == 0, $"{pgCtl} {verb} exited with {process.ExitCode}: {await stdout} {await stderr}");
    }
}
