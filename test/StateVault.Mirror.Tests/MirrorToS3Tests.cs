using System.Text.Json.Nodes;
using StateVault.Retention;
using StateVault.S3;
using StateVault.Storage;
using StateVault.TestKit;

namespace StateVault.Mirror.Tests;

/// <summary>A folder mirrored to a real S3-compatible server (s3rver), opened by URI as an application would.</summary>
public sealed class MirrorToS3Tests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sv-mirror-s3-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string S3Uri(string prefix) =>
        $"s3://{Backend.RequireEnvironment("STATEVAULT_TEST_S3_BUCKET", "An S3 test bucket")}/{prefix}"
        + $"?endpoint={Uri.EscapeDataString(Backend.RequireEnvironment("STATEVAULT_TEST_S3_ENDPOINT", "An S3-compatible server (s3rver)"))}&region=us-east-1";

    [Fact]
    public async Task Save_FileToS3_ReplicatesVerifiedCopiesUnderTheSecondarysRetention()
    {
        var s3 = S3Uri($"tests/mirror-{Guid.NewGuid():N}");
        var uri = MirrorSnapshotStoreProvider.FormatUri("file:" + _root, s3, new RetentionPolicy { KeepLast = 3 });
        var factory = new SnapshotStoreFactory([new S3SnapshotStoreProvider(), new MirrorSnapshotStoreProvider([new S3SnapshotStoreProvider()])]);
        await using var sut = (MirrorSnapshotStore)factory.Open(uri);
        await using var vault = new SnapshotVault(sut, new SnapshotVaultOptions { Retention = RetentionPolicy.KeepAll });
        for (var i = 1; i <= 5; i++)
        {
            await vault.SaveAsync("offsite", new JsonObject { ["i"] = i, ["blob"] = new string('z', 20_000) }, cancellationToken: Ct);
        }

        var report = await sut.ReplicateNowAsync(Ct);

        Assert.True(report.Succeeded, string.Join("; ", report.Failures));
        Assert.Equal("s3", sut.Secondary.Kind);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], await MirrorSnapshotStoreTests.ListAsync(sut.Primary, "offsite"));

        // The off-site side on its own, as `statevault --store <s3 URI> verify` opens it.
        await using var offsite = factory.Open(s3);
        await MirrorSnapshotStoreTests.AssertSameSnapshotsAsync(sut.Primary, offsite, "offsite", [3, 4, 5]);
        await MirrorSnapshotStoreTests.AssertVerifiesAsync(offsite, 3);
        await MirrorSnapshotStoreTests.AssertVerifiesAsync(sut.Primary, 5);
        await using var restoreVault = new SnapshotVault(offsite);
        var restored = await restoreVault.LoadLatestAsync<JsonObject>("offsite", Ct);
        Assert.Equal(5, (int)restored!.State["i"]!);
    }

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
