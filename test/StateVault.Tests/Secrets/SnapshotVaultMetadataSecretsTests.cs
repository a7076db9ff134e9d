using System.Text;
using StateVault.Envelope;
using StateVault.Secrets;
using StateVault.Tests.Support;

namespace StateVault.Tests.Secrets;

/// <summary>
/// The header a save writes (tags, attributes, state type, producer) is scanned like the state: the same rules
/// <see cref="IncomingEnvelope"/> applies to envelopes made elsewhere.
/// </summary>
public sealed class SnapshotVaultMetadataSecretsTests : IAsyncLifetime
{
    private const string System = "meta_sys";
    private static readonly byte[] s_clean = Encoding.UTF8.GetBytes("""{"plain":"visible"}""");
    private readonly VaultHarness _h = new();

    private static CancellationToken Ct => VaultHarness.Ct;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    public static TheoryData<SecretPolicy> RejectingPolicies => new(SecretPolicy.Reject, SecretPolicy.Redact);

    private void AssertRejected(SecretDetectedException ex, string path, string secret)
    {
        Assert.Equal(System, ex.System);
        Assert.Equal(path, ex.Path);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret[..12], _h.Logger.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[..12], _h.Folder.AllContent(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RejectingPolicies))]
    public async Task SaveJsonAsync_SecretInTag_RejectsNamingTheTagPathAndWritesNothing(SecretPolicy policy)
    {
        var sut = _h.CreateVault(o => o.SecretPolicy = policy);
        var secret = FakeSecrets.OpenAiProject;

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(
            () => sut.SaveJsonAsync(System, s_clean, new SaveOptions { Tags = ["release", secret] }, Ct));

        AssertRejected(ex, "header.tags[1]", secret);
        Assert.Empty(_h.Folder.Files());
    }

    [Theory]
    [MemberData(nameof(RejectingPolicies))]
    public async Task SaveJsonAsync_SecretInAttributeValue_RejectsNamingTheAttributePath(SecretPolicy policy)
    {
        var sut = _h.CreateVault(o => o.SecretPolicy = policy);
        var secret = FakeSecrets.AwsAccessKeyId;

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(
            () => sut.SaveJsonAsync(System, s_clean, new SaveOptions { Attributes = new Dictionary<string, string> { ["source"] = secret } }, Ct));

        AssertRejected(ex, "header.attributes.source", secret);
        Assert.Empty(_h.Folder.Files());
    }

    [Fact]
    public async Task SaveJsonAsync_SecretAsAttributeName_RejectsWithoutEchoingTheName()
    {
        var sut = _h.CreateVault();
        var secret = FakeSecrets.GitHubClassic;

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(
            () => sut.SaveJsonAsync(System, s_clean, new SaveOptions { Attributes = new Dictionary<string, string> { [secret] = "x" } }, Ct));

        AssertRejected(ex, "header.attributes{key}", secret);
        Assert.Empty(_h.Folder.Files());
    }

    [Fact]
    public async Task SaveJsonAsync_SecretInStateType_Rejects()
    {
        var sut = _h.CreateVault();
        var secret = FakeSecrets.Google;

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(
            () => sut.SaveJsonAsync(System, s_clean, new SaveOptions { StateType = secret }, Ct));

        AssertRejected(ex, "header.state_type", secret);
        Assert.Empty(_h.Folder.Files());
    }

    [Fact]
    public async Task SaveJsonAsync_SecretInProducer_Rejects()
    {
        var secret = FakeSecrets.StripeLive;
        var sut = _h.CreateVault(o => o.Producer = secret);

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(() => sut.SaveJsonAsync(System, s_clean, cancellationToken: Ct));

        AssertRejected(ex, "header.producer", secret);
        Assert.Empty(_h.Folder.Files());
    }

    [Fact]
    public async Task SaveJsonAsync_AfterCleanSaves_AChangedStateTypeOrProducerIsCheckedAgain_EveryTime()
    {
        // The vault remembers the last clean state type and producer; anything else is classified again, and a secret is
        // never remembered as clean.
        SnapshotVaultOptions? options = null;
        var sut = _h.CreateVault(o => options = o);
        await sut.SaveJsonAsync(System, s_clean, new SaveOptions { StateType = "Clean" }, Ct);
        await sut.SaveJsonAsync(System, s_clean, new SaveOptions { StateType = "Clean" }, Ct);
        var files = _h.Folder.Files().Count;

        for (var i = 0; i < 2; i++)
        {
            var ex = await Assert.ThrowsAsync<SecretDetectedException>(
                () => sut.SaveJsonAsync(System, s_clean, new SaveOptions { StateType = FakeSecrets.Google }, Ct));
            AssertRejected(ex, "header.state_type", FakeSecrets.Google);
        }

        options!.Producer = FakeSecrets.StripeLive;
        for (var i = 0; i < 2; i++)
        {
            var ex = await Assert.ThrowsAsync<SecretDetectedException>(
                () => sut.SaveJsonAsync(System, s_clean, new SaveOptions { StateType = "Clean" }, Ct));
            AssertRejected(ex, "header.producer", FakeSecrets.StripeLive);
        }

        Assert.Equal(files, _h.Folder.Files().Count);
    }

    [Fact]
    public async Task SaveJsonAsync_ChunkedStateWithSecretTag_WritesNoChunk()
    {
        var sut = _h.CreateVault(o =>
        {
            o.Chunking.Threshold = 64 * 1024;
            o.Chunking.AverageChunkSize = 4 * 1024;
        });
        var large = Encoding.UTF8.GetBytes("{\"items\":[" + string.Join(',', Enumerable.Range(0, 20_000).Select(i => $"\"entry {i}\"")) + "]}");
        var secret = FakeSecrets.SlackBot;

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(
            () => sut.SaveJsonAsync(System, large, new SaveOptions { Tags = [secret] }, Ct));

        AssertRejected(ex, "header.tags[0]", secret);
        Assert.Empty(_h.Folder.Files());
    }

    [Fact]
    public async Task RestoreAsync_SecretInAttributes_RejectsAndAddsNoSnapshot()
    {
        var sut = _h.CreateVault();
        var saved = await sut.SaveJsonAsync(System, s_clean, cancellationToken: Ct);
        var secret = FakeSecrets.OpenAiLegacy;

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(
            () => sut.RestoreAsync(System, saved.Sequence, new SaveOptions { Attributes = new Dictionary<string, string> { ["reason"] = secret } }, Ct));

        AssertRejected(ex, "header.attributes.reason", secret);
        Assert.Equal([saved.Sequence], _h.StoredSequences(System));
    }

    [Fact]
    public async Task RestoreAsync_StoredTagIsASecret_RejectsTheCopy()
    {
        // A snapshot written while the policy was off: restoring it under the reject policy must not copy its tag.
        var secret = FakeSecrets.Anthropic;
        var saved = await _h.CreateVault(o => o.SecretPolicy = SecretPolicy.Off).SaveJsonAsync(System, s_clean, new SaveOptions { Tags = [secret] }, Ct);
        var sut = _h.CreateVault();

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(() => sut.RestoreAsync(System, saved.Sequence, cancellationToken: Ct));

        Assert.Equal("header.tags[0]", ex.Path);
        Assert.DoesNotContain(secret, ex.ToString(), StringComparison.Ordinal);
        Assert.Equal([saved.Sequence], _h.StoredSequences(System));
    }

    [Fact]
    public async Task SaveJsonAsync_OffPolicy_StoresMetadataAsIs()
    {
        var sut = _h.CreateVault(o => o.SecretPolicy = SecretPolicy.Off);

        var saved = await sut.SaveJsonAsync(System, s_clean, new SaveOptions { Tags = [FakeSecrets.Google] }, Ct);

        Assert.Equal([FakeSecrets.Google], saved.Tags);
    }

    [Fact]
    public async Task SaveJsonAsync_CleanMetadata_IsSaved()
    {
        var sut = _h.CreateVault();

        var saved = await sut.SaveJsonAsync(
            System,
            s_clean,
            new SaveOptions { Tags = ["release-2026.03", "sk-short"], Attributes = new Dictionary<string, string> { ["file"] = "core_data_20260301_120000.json" } },
            Ct);

        Assert.Equal(["release-2026.03", "sk-short"], saved.Tags);
    }
}
