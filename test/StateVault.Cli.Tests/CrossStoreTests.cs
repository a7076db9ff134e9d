using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Npgsql;
using StateVault.Mirror;
using StateVault.PostgreSql;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Cli.Tests;

/// <summary>
/// <c>migrate</c> and <c>verify</c> across the real stores, through the built tool: a chain file → SQLite → PostgreSQL →
/// S3 → file that must preserve every sequence, time, checksum and byte, and a file → file mirror verified as a whole
/// and side by side. Each test works in a PostgreSQL schema and an S3 prefix of its own.
/// </summary>
public sealed class CrossStoreTests : IAsyncLifetime
{
    private const string PostgresVariable = "STATEVAULT_TEST_POSTGRES";
    private const string S3EndpointVariable = "STATEVAULT_TEST_S3_ENDPOINT";
    private const string S3BucketVariable = "STATEVAULT_TEST_S3_BUCKET";

    private readonly CliWorkspace _workspace = new();
    private readonly string _schema = "cli_" + Guid.NewGuid().ToString("N")[..16];
    private readonly string _s3Prefix = "tests/cli-" + Guid.NewGuid().ToString("N");
    private string? _postgresUri;
    private string? _s3Endpoint;
    private string? _s3Bucket;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Migrate_ChainFileSqlitePostgreSqlS3File_EveryHopVerifiesKeepsEverySnapshotAndResumes()
    {
        var postgres = PostgresUri();
        var s3 = S3Uri();
        var seeded = await SeedSourceAsync();
        var source = _workspace.Store;
        var back = _workspace.StoreUri("back");
        string[] chain = [source, "sqlite:" + Path.Combine(_workspace.Root, "hop.db"), postgres, s3, back];

        // What every store must show: the source's listings and state JSON, which are what was seeded.
        var expectedLists = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var system in seeded.Keys)
        {
            var list = await ListAsync(source, system);
            Assert.Equal(seeded[system], Snapshots(list).Select(s => s.Sequence));
            expectedLists[system] = list.Stdout;
        }

        var expectedShows = await ShowAllAsync(source);
        Assert.Equal("{\"name\":\"naïve ✓\",\"n\":4,\"nested\":{\"a\":[1,2,3]}}", Encoding.UTF8.GetString(expectedShows["alpha"]));

        for (var hop = 1; hop < chain.Length; hop++)
        {
            var (from, to) = (chain[hop - 1], chain[hop]);
            var what = $"hop {hop} ({SnapshotStoreFactory.GetScheme(from)} → {SnapshotStoreFactory.GetScheme(to)})";

            var first = (await _workspace.Cli.RunAsync("migrate", "--from", from, "--to", to, "--json")).ShouldExit(0).Json();
            Assert.True(first.GetProperty("succeeded").GetBoolean(), what);
            Assert.Empty(first.GetProperty("problems").EnumerateArray());
            Assert.Equal(seeded.ToDictionary(s => s.Key, s => (s.Value.Length, 0)), Counts(first));

            var verify = (await _workspace.Cli.RunAsync("verify", "--store", to, "--json")).ShouldExit(0).Json();
            Assert.True(verify.GetProperty("healthy").GetBoolean(), what);
            Assert.Equal(seeded.Values.Sum(s => s.Length), verify.GetProperty("checked").GetInt32());

            foreach (var system in seeded.Keys)
            {
                var list = await ListAsync(to, system);
                Assert.Equal(Snapshots(expectedLists[system]), Snapshots(list));
                Assert.True(expectedLists[system] == list.Stdout, $"{what}: list {system} --json differs:\n{expectedLists[system]}\n---\n{list.Stdout}");
            }

            var again = (await _workspace.Cli.RunAsync("migrate", "--from", from, "--to", to, "--json")).ShouldExit(0).Json();
            Assert.True(again.GetProperty("succeeded").GetBoolean(), what);
            Assert.Equal(seeded.ToDictionary(s => s.Key, s => (0, s.Value.Length)), Counts(again));

            var shows = await ShowAllAsync(to);
            foreach (var (name, bytes) in expectedShows)
            {
                Assert.True(bytes.AsSpan().SequenceEqual(shows[name]), $"{what}: show {name} differs:\n{Encoding.UTF8.GetString(bytes)}\n---\n{Encoding.UTF8.GetString(shows[name])}");
            }
        }

        // Back in a folder: the very same files, byte for byte.
        Assert.Equal(SnapshotFiles(_workspace.StorePath), SnapshotFiles(Path.Combine(_workspace.Root, "back")));
    }

    [Fact]
    public async Task Verify_FileToFileMirror_ChecksTheMirrorAndEachSideOnItsOwn()
    {
        var primaryPath = Path.Combine(_workspace.Root, "primary");
        var secondaryPath = Path.Combine(_workspace.Root, "secondary");
        var (primary, secondary) = ("file:" + primaryPath, "file:" + secondaryPath);
        var mirror = MirrorSnapshotStoreProvider.FormatUri(primary, secondary);
        for (var i = 1; i <= 3; i++)
        {
            // Each run acknowledges the save on the primary and, before it exits, copies it to the secondary.
            (await _workspace.Cli.RunAsync(["--store", mirror, "save", "gamma", "--json"], $"{{\"generation\":{i}}}")).ShouldExit(0);
        }

        foreach (var store in new[] { mirror, primary, secondary })
        {
            var verify = (await _workspace.Cli.RunAsync("verify", "--store", store, "--json")).ShouldExit(0).Json();
            Assert.True(verify.GetProperty("healthy").GetBoolean(), store);
            Assert.Equal(3, verify.GetProperty("checked").GetInt32());
        }

        var primaryList = await ListAsync(primary, "gamma");
        Assert.Equal([1L, 2L, 3L], Snapshots(primaryList).Select(s => s.Sequence));
        Assert.Equal(primaryList.Stdout, (await ListAsync(secondary, "gamma")).Stdout);
        Assert.Equal(SnapshotFiles(primaryPath), SnapshotFiles(secondaryPath));

        // A damaged copy is found by verifying that side; the mirror reads and verifies the primary, which is intact.
        CliWorkspace.Tamper(secondaryPath, "gamma", 2);
        var damaged = (await _workspace.Cli.RunAsync("verify", "--store", secondary, "--json")).ShouldExit(3).Json();
        var bad = Assert.Single(damaged.GetProperty("damaged").EnumerateArray());
        Assert.Equal(2, bad.GetProperty("sequence").GetInt64());
        (await _workspace.Cli.RunAsync("verify", "--store", primary)).ShouldExit(0);
        (await _workspace.Cli.RunAsync("verify", "--store", mirror)).ShouldExit(0);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_postgresUri is not null)
            {
                await using var connection = new NpgsqlConnection(PostgreSqlSnapshotStoreProvider.ParseUri(_postgresUri).ConnectionString);
                await connection.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
                await drop.ExecuteNonQueryAsync();
            }

            if (_s3Endpoint is not null)
            {
                await DeleteS3PrefixAsync();
            }
        }
        finally
        {
            _workspace.Dispose();
        }
    }

    /// <summary>
    /// The source file store: alpha 1, 3, 4 (2 deleted: numbers keep their gaps), with backdated times and tags, the
    /// newest with non-ASCII text; beta 1, 2, the newest large enough to be stored zstd-compressed.
    /// </summary>
    private async Task<Dictionary<string, long[]>> SeedSourceAsync()
    {
        var epoch = new DateTimeOffset(2024, 3, 1, 12, 0, 0, TimeSpan.Zero);
        await _workspace.SeedAsync("alpha", "{\"n\":1}", epoch, "first");
        await _workspace.SeedAsync("alpha", "{\"n\":2}", epoch.AddHours(1));
        await _workspace.SeedAsync("alpha", "{\"n\":3}", epoch.AddDays(1), "release", "weekly");
        await _workspace.SeedAsync("alpha", "{\"name\":\"naïve ✓\",\"n\":4,\"nested\":{\"a\":[1,2,3]}}", epoch.AddDays(2));
        await using (var store = FileSnapshotStoreProvider.Create(_workspace.StorePath))
        {
            Assert.True(await store.DeleteAsync("alpha", 2, Ct));
        }

        await _workspace.SeedAsync("beta", "{\"small\":true}", epoch);
        var records = string.Join(",", Enumerable.Range(0, 4000).Select(i => $"{{\"id\":{i},\"value\":{i * 7919 % 10007}}}"));
        var large = await _workspace.SeedAsync("beta", $"{{\"records\":[{records}]}}", epoch.AddMinutes(5));
        Assert.Equal("zstd", large.Codec);
        return new Dictionary<string, long[]>(StringComparer.Ordinal) { ["alpha"] = [1, 3, 4], ["beta"] = [1, 2] };
    }

    private Task<CliResult> ListAsync(string store, string system) => RunOkAsync("--store", store, "list", system, "--json");

    /// <summary><c>show</c> of the newest snapshot of each system and of alpha's oldest, as raw stdout bytes.</summary>
    private async Task<Dictionary<string, byte[]>> ShowAllAsync(string store) => new(StringComparer.Ordinal)
    {
        ["alpha"] = (await RunOkAsync("--store", store, "show", "alpha")).StdoutBytes,
        ["alpha#1"] = (await RunOkAsync("--store", store, "show", "alpha", "--seq", "1")).StdoutBytes,
        ["beta"] = (await RunOkAsync("--store", store, "show", "beta")).StdoutBytes,
    };

    private async Task<CliResult> RunOkAsync(params string[] args) => (await _workspace.Cli.RunAsync(args)).ShouldExit(0);

    private static IReadOnlyList<(long Sequence, string Sha256, string CreatedUtc)> Snapshots(CliResult list) => Snapshots(list.Stdout);

    /// <summary>Sequence, SHA-256 and time of each snapshot in <c>list --json</c> output, oldest first, each asserted valid.</summary>
    private static IReadOnlyList<(long Sequence, string Sha256, string CreatedUtc)> Snapshots(string listJson)
    {
        using var document = JsonDocument.Parse(listJson);
        return document.RootElement.GetProperty("snapshots").EnumerateArray()
            .Select(s =>
            {
                Assert.True(s.GetProperty("valid").GetBoolean(), s.ToString());
                return (s.GetProperty("sequence").GetInt64(), s.GetProperty("sha256").GetString()!, s.GetProperty("created_utc").GetString()!);
            })
            .Reverse()
            .ToList();
    }

    /// <summary>Copied and already-present counts per system from <c>migrate --json</c>.</summary>
    private static Dictionary<string, (int Copied, int AlreadyPresent)> Counts(JsonElement migrate) =>
        migrate.GetProperty("systems").EnumerateArray().ToDictionary(
            s => s.GetProperty("system").GetString()!,
            s => (s.GetProperty("copied").GetInt32(), s.GetProperty("already_present").GetInt32()),
            StringComparer.Ordinal);

    /// <summary>The snapshot files of a file store (name, then SHA-256 of the content), quarantine and temp files excluded.</summary>
    private static IReadOnlyList<string> SnapshotFiles(string root) =>
        CliWorkspace.Tree(root).Where(entry => entry.Contains(".svsnap ", StringComparison.Ordinal) && !entry.Contains("/.", StringComparison.Ordinal)).ToList();

    private string PostgresUri()
    {
        var server = Backend.RequireEnvironment(PostgresVariable, "PostgreSQL");
        _postgresUri = server + (server.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "schema=" + _schema;
        return _postgresUri;
    }

    private string S3Uri()
    {
        var endpoint = Backend.RequireEnvironment(S3EndpointVariable, "An S3-compatible server (s3rver)");
        _s3Bucket = Backend.RequireEnvironment(S3BucketVariable, "An S3 test bucket");
        _s3Endpoint = endpoint;
        return $"s3://{_s3Bucket}/{_s3Prefix}?endpoint={Uri.EscapeDataString(endpoint)}&region=us-east-1";
    }

    private async Task DeleteS3PrefixAsync()
    {
        using var client = new AmazonS3Client(new AmazonS3Config
        {
            ServiceURL = _s3Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

        // ListObjects (v1): s3rver cannot page ListObjectsV2. Deleted keys leave the listing, so list from the start again.
        for (var page = 0; page < 100; page++)
        {
            var listed = await client.ListObjectsAsync(new ListObjectsRequest { BucketName = _s3Bucket, Prefix = _s3Prefix + "/" });
            if (listed.S3Objects is not { Count: > 0 } objects)
            {
                return;
            }

            foreach (var item in objects)
            {
                await client.DeleteObjectAsync(_s3Bucket, item.Key);
            }
        }
    }
}
