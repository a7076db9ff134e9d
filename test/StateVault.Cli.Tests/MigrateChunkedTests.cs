using System.Text;
using Microsoft.Data.Sqlite;
using StateVault.Cli.Migration;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Sqlite;
using StateVault.Storage;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Cli.Tests;

/// <summary>
/// <c>migrate</c> of chunked snapshots: chunks the target lacks go first (each checked), then the envelope. The sources are
/// built with the store API directly (chunk frames and a manifest envelope), SQLite to SQLite.
/// </summary>
public sealed class MigrateChunkedTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string SourcePath => Path.Combine(_workspace.Root, "source.db");

    private string TargetPath => Path.Combine(_workspace.Root, "target.db");

    private string Source => "sqlite:" + SourcePath;

    private string Target => "sqlite:" + TargetPath;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _workspace.Dispose();
    }

    private static ISnapshotStoreWithChunks Open(string path) =>
        (ISnapshotStoreWithChunks)SqliteSnapshotStoreProvider.Create(new SqliteSnapshotStoreOptions { DatabasePath = path });

    private static string IdOf(string part) => ChunkFrame.IdOf(Encoding.UTF8.GetBytes(part));

    /// <summary>Puts the chunks of <paramref name="parts"/> (unless <paramref name="framedOverride"/> supplies other bytes) and appends the manifest envelope.</summary>
    private static async Task<long> SeedChunkedAsync(ISnapshotStoreWithChunks store, string system, string[] parts, Func<string, byte[], byte[]>? framedOverride = null)
    {
        var entries = new List<ChunkManifestEntry>();
        foreach (var part in parts)
        {
            var content = Encoding.UTF8.GetBytes(part);
            var id = ChunkFrame.IdOf(content);
            var framed = ChunkFrame.Encode(SnapshotCodecs.Zstd, content);
            await store.PutChunkAsync(system, id, framedOverride?.Invoke(id, framed) ?? framed, Ct);
            entries.Add(new ChunkManifestEntry { Id = id, Length = content.Length });
        }

        var manifest = new ChunkManifest { Chunks = entries }.ToUtf8();
        return await store.AppendAsync(system, null, sequence => SnapshotEnvelope.Create(
            new SnapshotHeader
            {
                System = system,
                Sequence = sequence,
                CreatedUtc = DateTimeOffset.UnixEpoch.AddDays(sequence),
                SchemaVersion = 1,
                StateType = "json",
                Codec = ChunkManifest.Codec,
                StoredLength = manifest.Length,
                RawLength = entries.Sum(e => e.Length),
                Sha256 = SnapshotEnvelope.Sha256Hex(manifest),
            },
            manifest), Ct);
    }

    private static async Task<List<string>> ChunkIdsAsync(ISnapshotStoreWithChunks store, string system)
    {
        var ids = new List<string>();
        await foreach (var item in store.ListChunksAsync(system, Ct))
        {
            ids.Add(item.Id);
        }

        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    [Fact]
    public async Task Migrate_ChunkedSnapshots_CopiesTheirChunksAndSecondRunCopiesNone()
    {
        await using (var source = Open(SourcePath))
        {
            // Three distinct chunks; the first is shared by both snapshots.
            await SeedChunkedAsync(source, "alpha", ["""{"items":[1,2,""", "3,4]}"]);
            await SeedChunkedAsync(source, "alpha", ["""{"items":[1,2,""", "5,6,7]}"]);
        }

        SqliteConnection.ClearAllPools();
        var first = (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Target, "--json")).ShouldExit(0).Json();
        var second = (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Target)).ShouldExit(0);
        var third = (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Target, "--json")).ShouldExit(0).Json();

        var alpha = Assert.Single(first.GetProperty("systems").EnumerateArray());
        Assert.Equal(2, alpha.GetProperty("copied").GetInt32());
        Assert.Equal(3, alpha.GetProperty("chunks_copied").GetInt32());
        Assert.Equal(0, alpha.GetProperty("chunks_already_present").GetInt32());
        Assert.Contains("0 copied, 3 already on the target", second.Stdout, StringComparison.Ordinal);
        var again = Assert.Single(third.GetProperty("systems").EnumerateArray());
        Assert.Equal(0, again.GetProperty("copied").GetInt32());
        Assert.Equal(2, again.GetProperty("already_present").GetInt32());
        Assert.Equal(0, again.GetProperty("chunks_copied").GetInt32());
        Assert.Equal(3, again.GetProperty("chunks_already_present").GetInt32());

        SqliteConnection.ClearAllPools();
        await using var sourceCheck = Open(SourcePath);
        await using var targetCheck = Open(TargetPath);
        Assert.Equal(new[] { IdOf("""{"items":[1,2,"""), IdOf("3,4]}"), IdOf("5,6,7]}") }.Order(StringComparer.Ordinal), await ChunkIdsAsync(targetCheck, "alpha"));
        foreach (var id in await ChunkIdsAsync(sourceCheck, "alpha"))
        {
            Assert.Equal((await sourceCheck.ReadChunkAsync("alpha", id, Ct))!.Data, (await targetCheck.ReadChunkAsync("alpha", id, Ct))!.Data);
        }

        Assert.Equal(await sourceCheck.ReadAsync("alpha", 1, Ct), await targetCheck.ReadAsync("alpha", 1, Ct));
        Assert.Equal(await sourceCheck.ReadAsync("alpha", 2, Ct), await targetCheck.ReadAsync("alpha", 2, Ct));
    }

    [Fact]
    public async Task Migrate_DamagedSourceChunk_ReportedAndNeitherItNorItsSnapshotImported()
    {
        var damaged = IdOf("5,6,7]}");
        await using (var source = Open(SourcePath))
        {
            await SeedChunkedAsync(source, "alpha", ["""{"items":[1,2,""", "3,4]}"]);
            await SeedChunkedAsync(source, "alpha", ["""{"items":[1,2,""", "5,6,7]}"], (id, framed) =>
            {
                if (id == damaged)
                {
                    framed[^1] ^= 0x01;
                }

                return framed;
            });
        }

        SqliteConnection.ClearAllPools();
        var result = (await _workspace.Cli.RunAsync("migrate", "--from", Source, "--to", Target, "--json")).ShouldExit(1);

        var json = result.Json();
        var alpha = Assert.Single(json.GetProperty("systems").EnumerateArray());
        Assert.Equal(1, alpha.GetProperty("copied").GetInt32());
        Assert.Equal(1, alpha.GetProperty("source_damaged").GetInt32());
        var problem = Assert.Single(json.GetProperty("problems").EnumerateArray());
        Assert.Equal(2, problem.GetProperty("sequence").GetInt64());
        Assert.Equal("source_damaged", problem.GetProperty("outcome").GetString());
        Assert.Contains(damaged, problem.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("alpha #2 NOT copied", result.Stderr, StringComparison.Ordinal);
        SqliteConnection.ClearAllPools();
        await using var target = Open(TargetPath);
        Assert.Null(await target.ReadAsync("alpha", 2, Ct));
        Assert.Null(await target.ReadChunkAsync("alpha", damaged, Ct));
        Assert.NotNull(await target.ReadAsync("alpha", 1, Ct));
    }

    [Fact]
    public async Task MigrateAsync_TargetKeepsNoChunks_RefusesChunkedSnapshotsAndCopiesTheOthers()
    {
        await using var source = Open(SourcePath);
        await source.AppendAsync("alpha", null, sequence => TestEnvelopes.Create("alpha", sequence, """{"plain":1}"""), Ct);
        await SeedChunkedAsync(source, "alpha", ["""{"items":[1,2,""", "3,4]}"]);
        await using var inner = Open(TargetPath);
        // A third-party store: the wrapper implements ISnapshotStore only.
        await using var target = new FailingSystemsStore(inner);
        var sut = new SnapshotMigrator(source, target);

        var report = await sut.MigrateAsync(null, progress: null, Ct);

        Assert.False(report.Succeeded);
        var alpha = Assert.Single(report.Systems);
        Assert.Equal((1, 1), (alpha.Copied, alpha.Failed));
        var problem = Assert.Single(report.Problems);
        Assert.Equal((2L, MigrationOutcome.Failed), (problem.Sequence, problem.Outcome));
        Assert.Contains("keeps no chunks", problem.Reason, StringComparison.Ordinal);
        Assert.NotNull(await inner.ReadAsync("alpha", 1, Ct));
        Assert.Null(await inner.ReadAsync("alpha", 2, Ct));
        Assert.Empty(await ChunkIdsAsync(inner, "alpha"));
    }

    [Fact]
    public async Task MigrateAsync_TargetHoldsADamagedCopyOfAChunk_ReportsItAndImportsNothing()
    {
        await using var source = Open(SourcePath);
        await SeedChunkedAsync(source, "alpha", ["""{"items":[1,2,""", "3,4]}"]);
        await using var target = Open(TargetPath);
        var damaged = IdOf("3,4]}");
        await target.PutChunkAsync("alpha", damaged, Encoding.ASCII.GetBytes("SVCHUNK/1 identity 5\n3,4]!"), Ct);
        var sut = new SnapshotMigrator(source, target);

        var report = await sut.MigrateAsync(null, progress: null, Ct);

        var problem = Assert.Single(report.Problems);
        Assert.Equal(MigrationOutcome.Failed, problem.Outcome);
        Assert.Contains(damaged, problem.Reason, StringComparison.Ordinal);
        Assert.Null(await target.ReadAsync("alpha", 1, Ct));
        var alpha = Assert.Single(report.Systems);
        Assert.Equal((1, 1), (alpha.ChunksCopied, alpha.ChunksAlreadyPresent));
    }
}
