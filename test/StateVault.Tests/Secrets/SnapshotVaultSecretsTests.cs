using System.Text.Json.Nodes;
using StateVault.Secrets;
using StateVault.Tests.Support;

namespace StateVault.Tests.Secrets;

public sealed class SnapshotVaultSecretsTests : IAsyncLifetime
{
    private readonly VaultHarness _h = new();

    private static CancellationToken Ct => VaultHarness.Ct;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    public sealed class ProviderConfig
    {
        public string Name { get; set; } = string.Empty;

        public string? Notes { get; set; }

        [Sensitive]
        public string ApiKey { get; set; } = string.Empty;

        [Sensitive]
        public string? Password;
    }

    public sealed record Credentials(string User, [property: Sensitive] string Token);

    public static TheoryData<string, string> Secrets
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (name, value, _) in FakeSecrets.All)
            {
                data.Add(name, value);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Secrets))]
    public async Task SaveAsync_RejectPolicy_NamesThePathNeverTheValueAndWritesNothing(string name, string secret)
    {
        var sut = _h.CreateVault();
        var state = new ProviderConfig { Name = "gateway", Notes = secret };

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(() => sut.SaveAsync("secrets_sys", state, cancellationToken: Ct));

        Assert.Equal("$.notes", ex.Path);
        Assert.Contains("$.notes", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret[..12], ex.Message, StringComparison.Ordinal);
        Assert.NotEmpty(_h.Logger.Entries);
        Assert.DoesNotContain(secret[..12], _h.Logger.AllText, StringComparison.Ordinal);
        Assert.Contains("$.notes", _h.Logger.AllText, StringComparison.Ordinal);
        Assert.Empty(_h.Folder.Files());
        _ = name;
    }

    [Fact]
    public async Task SaveJsonAsync_RejectPolicy_IsTheDefaultForUntypedStateToo()
    {
        var sut = _h.CreateVault();
        var json = new JsonObject { ["deep"] = new JsonObject { ["list"] = new JsonArray(1, FakeSecrets.Anthropic) } }.ToJsonString();

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(() => sut.SaveJsonAsync("secrets_sys", System.Text.Encoding.UTF8.GetBytes(json), cancellationToken: Ct));

        Assert.Equal("secrets_sys", ex.System);
        Assert.Equal(new SecretFinding("$.deep.list[1]", "anthropic-key"), Assert.Single(ex.Findings));
    }

    [Fact]
    public async Task SaveAsync_RedactPolicy_StoresMarkersAndNoSecret()
    {
        var sut = _h.CreateVault(o => o.SecretPolicy = SecretPolicy.Redact);
        var state = new JsonObject { ["keys"] = new JsonArray(FakeSecrets.OpenAiLegacy, FakeSecrets.PemPrivateKey), ["plain"] = "visible" };

        await sut.SaveAsync("secrets_sys", state, cancellationToken: Ct);

        var loaded = (await sut.LoadLatestAsync<JsonObject>("secrets_sys", Ct))!.State;
        Assert.Matches(@"^\[REDACTED:openai-key:[0-9a-f]{8}\]$", loaded["keys"]![0]!.GetValue<string>());
        Assert.Matches(@"^\[REDACTED:private-key:[0-9a-f]{8}\]$", loaded["keys"]![1]!.GetValue<string>());
        Assert.Equal("visible", loaded["plain"]!.GetValue<string>());
        var stored = _h.Folder.AllContent();
        Assert.DoesNotContain(FakeSecrets.OpenAiLegacy, stored, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeSecrets.OpenAiLegacy[..12], _h.Logger.AllText, StringComparison.Ordinal);
        Assert.Contains(_h.Logger.Entries, e => e.Id.Id == 1003);
    }

    [Fact]
    public async Task SaveAsync_RedactPolicyWithSecretPropertyName_RejectsWithoutEchoingIt()
    {
        var sut = _h.CreateVault(o => o.SecretPolicy = SecretPolicy.Redact);
        var key = FakeSecrets.AwsAccessKeyId;

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(() => sut.SaveAsync("secrets_sys", new JsonObject { [key] = 1 }, cancellationToken: Ct));

        Assert.DoesNotContain(key, ex.Message, StringComparison.Ordinal);
        Assert.Empty(_h.Folder.Files());
    }

    private static JsonObject LargeState(string secret)
    {
        // Above the compression threshold and the size from which the scan runs beside the compression.
        var items = new JsonArray([.. Enumerable.Range(0, 30_000).Select(i => (JsonNode)$"entry {i}")]);
        items.Insert(17_000, secret);
        return new JsonObject { ["items"] = items };
    }

    [Fact]
    public async Task SaveAsync_LargeStateWithSecret_RejectsAndWritesNothing()
    {
        var sut = _h.CreateVault();

        var ex = await Assert.ThrowsAsync<SecretDetectedException>(() => sut.SaveAsync("secrets_sys", LargeState(FakeSecrets.AwsAccessKeyId), cancellationToken: Ct));

        Assert.Equal("$.items[17000]", ex.Path);
        Assert.Empty(_h.Folder.Files());
    }

    [Fact]
    public async Task SaveAsync_LargeStateWithSecretRedactPolicy_StoresCompressedRedactedState()
    {
        var sut = _h.CreateVault(o => { o.SecretPolicy = SecretPolicy.Redact; o.Compression.CompressOnLocalStores = true; });

        var saved = await sut.SaveAsync("secrets_sys", LargeState(FakeSecrets.Google), cancellationToken: Ct);
        var loaded = await sut.LoadLatestAsync<JsonObject>("secrets_sys", Ct);

        Assert.Equal(StateVault.Codecs.SnapshotCodecs.Zstd, saved.Codec);
        Assert.StartsWith("[REDACTED:google-api-key:", loaded!.State["items"]![17_000]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("entry 29999", loaded.State["items"]![30_000]!.GetValue<string>());
    }

    [Fact]
    public async Task SaveAsync_LargeCleanState_IsSavedCompressed()
    {
        var sut = _h.CreateVault(o => o.Compression.CompressOnLocalStores = true);

        var saved = await sut.SaveAsync("secrets_sys", LargeState("no secret here"), cancellationToken: Ct);

        Assert.Equal(StateVault.Codecs.SnapshotCodecs.Zstd, saved.Codec);
        Assert.True(saved.RawLength > 256 * 1024);
    }

    [Fact]
    public async Task SaveAsync_OffPolicy_StoresValueAsIs()
    {
        var sut = _h.CreateVault(o => o.SecretPolicy = SecretPolicy.Off);

        await sut.SaveAsync("secrets_sys", new JsonObject { ["k"] = FakeSecrets.Google }, cancellationToken: Ct);

        Assert.Contains(FakeSecrets.Google, _h.Folder.AllContent(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveAsync_SensitiveMembers_AreNeverSerializedAndNotScanned()
    {
        var sut = _h.CreateVault();
        var state = new ProviderConfig { Name = "gateway", ApiKey = FakeSecrets.OpenAiProject, Password = FakeSecrets.StripeLive };

        await sut.SaveAsync("secrets_sys", state, cancellationToken: Ct);
        var loaded = await sut.LoadLatestAsync<ProviderConfig>("secrets_sys", Ct);

        var stored = _h.Folder.AllContent();
        Assert.DoesNotContain("api_key", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeSecrets.OpenAiProject, stored, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeSecrets.StripeLive, stored, StringComparison.Ordinal);
        Assert.Equal("gateway", loaded!.State.Name);
        Assert.Equal(string.Empty, loaded.State.ApiKey);
        Assert.Null(loaded.State.Password);
    }

    [Fact]
    public async Task SaveAsync_SensitiveMemberOfPositionalRecord_IsLeftOutAndRestoresAsDefault()
    {
        var sut = _h.CreateVault();

        await sut.SaveAsync("secrets_sys", new Credentials("svc", FakeSecrets.GitHubFineGrained), cancellationToken: Ct);
        var loaded = await sut.LoadLatestAsync<Credentials>("secrets_sys", Ct);

        Assert.DoesNotContain("token", _h.Folder.AllContent(), StringComparison.Ordinal);
        Assert.Equal("svc", loaded!.State.User);
        Assert.Null(loaded.State.Token);
    }

    [Fact]
    public async Task SaveAsync_CustomJsonOptions_StillDropSensitiveMembers()
    {
        var sut = _h.CreateVault(o => o.JsonOptions = new System.Text.Json.JsonSerializerOptions());

        await sut.SaveAsync("secrets_sys", new ProviderConfig { Name = "n", ApiKey = FakeSecrets.OpenAiLegacy }, cancellationToken: Ct);

        Assert.DoesNotContain("ApiKey", _h.Folder.AllContent(), StringComparison.Ordinal);
        Assert.Contains("\"Name\":\"n\"", _h.Folder.AllContent(), StringComparison.Ordinal);
    }
}
