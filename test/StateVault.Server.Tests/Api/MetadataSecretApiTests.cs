using System.Net;
using StateVault.Secrets;
using StateVault.Server.Tests.Support;
using StateVault.Storage;
using Xunit;

namespace StateVault.Server.Tests.Api;

/// <summary>The restore route copies a snapshot's tags and attributes: a secret-looking one is refused like one in the state.</summary>
public sealed class MetadataSecretApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Restore_SnapshotWhoseTagIsASecret_Returns422NamingThePathAndWritesNothing()
    {
        // Written while the policy was off (or by an older version): the copy a restore makes must not carry it again.
        var secret = "sk-proj-" + "Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6kL9n";
        var root = Path.Combine(Path.GetTempPath(), "sv-metasecret-" + Guid.NewGuid().ToString("N"));
        await using (var vault = new SnapshotVault(FileSnapshotStoreProvider.Create(root), new SnapshotVaultOptions { SecretPolicy = SecretPolicy.Off }))
        {
            await vault.SaveJsonAsync("tagged", """{"v":1}"""u8.ToArray(), new SaveOptions { Tags = [secret] }, Ct);
        }

        await using var sut = await ServerHost.StartAsync(root, cancellationToken: Ct, ownsRoot: true);
        using var client = sut.Client(sut.WriterKey);

        using var response = await client.PostAsync("api/systems/tagged/snapshots/1/restore", null, Ct);

        var problem = await SnapshotApiTests.ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("header.tags[0]", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret[8..], problem.ToString(), StringComparison.Ordinal);
        Assert.Equal([1L], (await sut.Vault.ListAsync("tagged", Ct)).Select(s => s.Sequence));
    }
}
