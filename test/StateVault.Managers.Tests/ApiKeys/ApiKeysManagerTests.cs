using System.Text;
using StateVault.Managers.ApiKeys;
using StateVault.Managers.Swarm;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Managers.Tests.ApiKeys;

public sealed class ApiKeysManagerTests : ManagerTestBase
{
    private readonly string _envVariable = "SV_TEST_ANTHROPIC_" + Guid.NewGuid().ToString("N");

    private ApiKeysManager Sut => Host.Manager<ApiKeysManager>();

    public override ValueTask InitializeAsync()
    {
        Environment.SetEnvironmentVariable(_envVariable, TestKeys.AnthropicApi);
        return base.InitializeAsync();
    }

    // Every payload compressed, so the store search below has to decode what it searches.
    internal override void ConfigureHosting(StateVault.Hosting.StateVaultHostingOptions options)
    {
        options.Compression.Threshold = 0;
        options.Compression.CompressOnLocalStores = true;
    }

    internal override void Configure(ManagerOptions options)
    {
        options.ApiKeys.EnvironmentVariables["anthropic"] = _envVariable;
        options.ApiKeys.ProviderKeys["openai"] = TestKeys.OpenAIServiceAccount;
    }

    [Theory]
    [InlineData("openai", 0, "project")]
    [InlineData("openai", 1, "service_account")]
    [InlineData("openai", 2, "legacy")]
    [InlineData("anthropic", 3, "api")]
    [InlineData("anthropic", 4, "admin")]
    public void Match_RealFormats_Recognized(string provider, int index, string format) =>
        Assert.Equal(format, ProviderKeyFormats.Match(provider, TestKeys.All[index]));

    [Theory]
    [InlineData("openai", "sk-short")]
    [InlineData("openai", "pk-proj-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("anthropic", "sk-proj-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void Match_WrongFormat_Null(string provider, string key) => Assert.Null(ProviderKeyFormats.Match(provider, key));

    [Fact]
    public void Start_KeysFromEnvironmentAndConfiguration_LoadedAndChecked()
    {
        var keys = Sut.ListProviderKeys();

        Assert.Equal(2, keys.Count);
        Assert.All(keys, k => Assert.True(k.Present));
        Assert.All(keys, k => Assert.Equal(KeyValidationResult.Valid, k.Record.ValidationResult));
        Assert.Equal(KeySource.Environment, keys.Single(k => k.Record.Provider == "anthropic").Record.Source);
        Assert.Equal(TestKeys.AnthropicApi[^4..], keys.Single(k => k.Record.Provider == "anthropic").Record.LastFour);
        Assert.Equal(2, Sut.State.SecurityChecks.Count);
    }

    [Fact]
    public void AddProviderKey_BadFormat_RecordedInvalidAndNeverHandedOut()
    {
        var info = Sut.AddProviderKey("anthropic", "sk-ant-tooshort");

        Assert.Equal(KeyValidationResult.InvalidFormat, info.Record.ValidationResult);
        var key = Sut.RequestProviderKey("anthropic", "test", "check");
        Assert.NotEqual(info.Record.Id, key!.Id);
    }

    [Fact]
    public void RunSecurityChecks_OldKey_RotationDue()
    {
        Time.Advance(TimeSpan.FromDays(91));

        var checks = Sut.RunSecurityChecks();

        Assert.All(checks, c => Assert.True(c.RotationDue));
        Assert.All(checks, c => Assert.Equal(91, c.AgeDays));
    }

    [Fact]
    public void Fingerprint_Keyed_NotAPlainHashAndSecretKeptOutsideTheStore()
    {
        var fingerprint = Sut.Fingerprint(TestKeys.OpenAIProject);

        var plain = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(TestKeys.OpenAIProject)));
        Assert.NotEqual(plain, fingerprint);
        Assert.True(File.Exists(Sut.FingerprintSecretPath));
        Assert.False(Path.GetFullPath(Sut.FingerprintSecretPath).StartsWith(Path.GetFullPath(Dir.Store) + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Sut.FingerprintSecretPath));
        }
    }

    [Fact]
    public async Task AccessKeys_CreateValidateRevoke_StoredOnlyAsSaltedHashes()
    {
        var created = await Sut.CreateAccessKeyAsync(AccessRole.Admin, "deploy bot", Ct);

        Assert.Matches("^svk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", created.Key);
        Assert.Equal(AccessRole.Admin, Sut.ValidateAccessKey(created.Key)!.Role);
        Assert.Null(Sut.ValidateAccessKey(created.Key[..^1] + (created.Key[^1] == 'A' ? 'B' : 'A')));
        Assert.Null(Sut.ValidateAccessKey("svk_000000000000_x"));
        Assert.Null(Sut.ValidateAccessKey("Bearer nonsense"));
        Assert.False(Host.Persistence.GetStatus(ApiKeysManager.ManagerName).Dirty); // acknowledged before it returned
        var record = Sut.State.AccessKeys[created.Info.Id];
        Assert.Equal(32, record.Salt.Length);
        Assert.Equal(64, record.Hash.Length);

        Assert.True(await Sut.RevokeAccessKeyAsync(created.Info.Id, Ct));
        Assert.False(await Sut.RevokeAccessKeyAsync(created.Info.Id, Ct));
        Assert.Null(Sut.ValidateAccessKey(created.Key));
        Assert.True(Sut.ListAccessKeys().Single().Revoked);
        await Assert.ThrowsAsync<ArgumentException>(() => Sut.CreateAccessKeyAsync(AccessRole.Reader, "key " + TestKeys.OpenAILegacy, Ct));
    }

    [Fact]
    public async Task EveryOperation_RealFormatKeys_NoRawKeyAnywhereInTheStore()
    {
        var access = new List<string>();
        foreach (var key in TestKeys.All)
        {
            var provider = key.StartsWith("sk-ant-", StringComparison.Ordinal) ? "anthropic" : "openai";
            var info = Sut.AddProviderKey(provider, key);
            Sut.ValidateProviderKey(info.Record.Id);
            Assert.NotNull(Sut.RequestProviderKey(provider, "grep test", "use"));
        }

        Sut.RunSecurityChecks();
        access.Add((await Sut.CreateAccessKeyAsync(AccessRole.Writer, "writer", Ct)).Key);
        var revoked = await Sut.CreateAccessKeyAsync(AccessRole.Reader, "reader", Ct);
        access.Add(revoked.Key);
        await Sut.RevokeAccessKeyAsync(revoked.Info.Id, Ct);
        Sut.RemoveProviderKey(Sut.ListProviderKeys().First().Record.Id);
        Host.Manager<SwarmIntegrationManager>().SendMessage("a", "b", "leak", "here: " + TestKeys.AnthropicAdmin);
        Host.Manager<StateVault.Managers.AiMlCore.AiMlCoreManager>().RequestApiKey("anthropic", "summaries");
        await Host.Host.StopAsync(Ct); // saves everything that is dirty

        var files = Directory.GetFiles(Dir.Store, "*", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var apiKeySnapshots = files.Where(f => f.Contains(ApiKeysManager.ManagerName, StringComparison.Ordinal) && f.EndsWith(".svsnap", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(apiKeySnapshots);
        foreach (var file in apiKeySnapshots)
        {
            // The payloads are compressed: a raw byte search finds not even what the state plainly holds, the decoded one does.
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            Assert.True(StoredBytes.IsCompressedEnvelope(bytes), $"{file} is not compressed");
            Assert.Equal(-1, bytes.AsSpan().IndexOf("grep test"u8));
            Assert.True(StoredBytes.Contains(bytes, "grep test"), $"{file} does not decode to the state");
        }

        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            foreach (var secret in TestKeys.All.Concat(access.Select(k => k[17..])))
            {
                Assert.False(StoredBytes.Contains(bytes, secret), $"A raw key is stored in {file}.");
            }
        }
    }

    [Fact]
    public void StoredBytes_KeyInACompressedPayload_IsFoundWhereAPlainByteSearchMissesIt()
    {
        // The store search above must be able to fail: a key saved with the scanner off, compressed, is found only decoded.
        var json = Encoding.UTF8.GetBytes($$"""{"leak":"{{TestKeys.OpenAIProject}}","pad":"{{new string('a', 4096)}}"}""");
        var payload = StateVault.Codecs.SnapshotCodecs.Encode(StateVault.Codecs.SnapshotCodecs.Zstd, json);
        var header = new StateVault.Envelope.SnapshotHeader
        {
            System = ApiKeysManager.ManagerName,
            Sequence = 1,
            CreatedUtc = Time.GetUtcNow(),
            SchemaVersion = 1,
            StateType = "test",
            Codec = StateVault.Codecs.SnapshotCodecs.Zstd,
            StoredLength = payload.Length,
            RawLength = json.Length,
            Sha256 = StateVault.Envelope.SnapshotEnvelope.Sha256Hex(payload.Span),
        };
        var stored = StateVault.Envelope.SnapshotEnvelope.Create(header, payload).ToArray();

        Assert.Equal(-1, stored.AsSpan().IndexOf(Encoding.UTF8.GetBytes(TestKeys.OpenAIProject)));
        Assert.True(StoredBytes.Contains(stored, TestKeys.OpenAIProject));
    }
}
