using Akka.Configuration;
using StateVault.Secrets;
using Xunit;

namespace StateVault.Akka.Tests;

public sealed class StateVaultSnapshotStoreSettingsTests
{
    [Fact]
    public void Create_OnlyStore_UsesTheDefaults()
    {
        var sut = StateVaultSnapshotStoreSettings.Create(ConfigurationFactory.ParseString("store = \"file:./x\""));

        Assert.Equal("file:./x", sut.Store);
        Assert.Equal("akka", sut.SystemPrefix);
        Assert.Equal(5, sut.Vault.Retention.KeepLast);
        Assert.Equal(SecretPolicy.Reject, sut.Vault.SecretPolicy);
        Assert.Contains("StateVault.PostgreSql.PostgreSqlSnapshotStoreProvider, StateVault.PostgreSql", sut.StoreProviders);
    }

    [Theory]
    [InlineData("", "store is empty")]
    [InlineData("store = \"no scheme\"", "store is not a store URI")]
    [InlineData("store = \"file:./x\"\nsystem-prefix = \"Bad.Prefix\"", "system-prefix")]
    [InlineData("store = \"file:./x\"\nsecret-policy = maybe", "secret-policy")]
    [InlineData("store = \"file:./x\"\ncompression.codec = lz4", "Unknown codec")]
    [InlineData("store = \"file:./x\"\nretention.keep-last = -1", "keep-last")]
    public void Create_InvalidSetting_ThrowsNamingIt(string hocon, string reason)
    {
        var ex = Assert.Throws<ConfigurationException>(() => StateVaultSnapshotStoreSettings.Create(ConfigurationFactory.ParseString(hocon)));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_KeepLastZero_KeepsEverything()
    {
        var sut = StateVaultSnapshotStoreSettings.Create(ConfigurationFactory.ParseString("store = \"file:./x\"\nretention.keep-last = 0"));

        Assert.True(sut.Vault.Retention.IsEmpty);
    }
}
