using System.Text.Json.Nodes;
using StateVault.Tests.Support;

namespace StateVault.Tests.Naming;

public sealed class SystemNameTests
{
    public static TheoryData<string?, string> InvalidNames => new()
    {
        { null, "null" },
        { "", "empty" },
        { "..", "dot dot" },
        { "a..b", "dot dot inside" },
        { "../etc", "parent traversal" },
        { "a/b", "slash" },
        { "a\\b", "backslash" },
        { "/etc/passwd", "absolute path" },
        { "C:\\data", "windows absolute path" },
        { ".hidden", "leading dot" },
        { "-flag", "leading dash" },
        { "_under", "leading underscore" },
        { "Health", "upper case" },
        { "health thresholds", "space" },
        { "health\n", "trailing newline" },
        { "health\r\n", "trailing CRLF" },
        { "\nhealth", "leading newline" },
        { "health\0", "NUL" },
        { "health\t", "tab" },
        { new string('a', 65), "65 characters" },
        { "h\u0435alth", "Cyrillic e look-alike" },
        { "\u0430pi_keys", "Cyrillic a look-alike" },
        { "\uff41\uff50\uff49", "fullwidth letters" },
        { "api\uff3fkeys", "fullwidth low line" },
        { "health\u200b", "zero-width space" },
        { "\u0131nfo", "dotless i" },
        { "caf\u00e9", "accented letter" },
        { "\u2024\u2024", "one dot leader look-alike dots" },
        { "a%2f..", "percent-encoded slash with dots" },
        { "a:b", "colon" },
        { "con", "Windows device name con" },
        { "prn", "Windows device name prn" },
        { "aux", "Windows device name aux" },
        { "nul", "Windows device name nul" },
        { "com1", "Windows device name com1" },
        { "com9", "Windows device name com9" },
        { "lpt1", "Windows device name lpt1" },
        { "lpt9", "Windows device name lpt9" },
        { "con.txt", "device name with an extension" },
        { "nul.tar.gz", "device name with two extensions" },
        { "health.", "trailing dot" },
        { "a.b.", "trailing dot after a dot segment" },
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Validate_InvalidName_ThrowsArgumentWithPrintableMessage(string? name, string why)
    {
        Assert.False(SystemName.IsValid(name), why);

        var ex = Assert.Throws<ArgumentException>(() => SystemName.Validate(name));

        Assert.StartsWith("Invalid system name", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message.Split(" (Parameter")[0]);
        Assert.All(ex.Message, c => Assert.True(c >= ' ' && c <= '~' || c == '…', $"non-printable character U+{(int)c:X4} in the message ({why})"));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("health_thresholds")]
    [InlineData("ai_ml_models")]
    [InlineData("v1.2-beta")]
    [InlineData("a.b")]
    [InlineData("x-")]
    [InlineData("console")]
    [InlineData("com10")]
    [InlineData("com0")]
    [InlineData("lpt")]
    [InlineData("auxiliary")]
    [InlineData("my.con")]
    [InlineData("nul_state")]
    public void Validate_ValidName_ReturnsIt(string name)
    {
        Assert.Equal(name, SystemName.Validate(name));
    }

    [Fact]
    public void Validate_64Characters_IsAllowedAnd65IsNot()
    {
        Assert.True(SystemName.IsValid(new string('z', 64)));
        Assert.Contains("65 characters", Assert.Throws<ArgumentException>(() => SystemName.Validate(new string('z', 65))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_DotDot_SaysSo()
    {
        Assert.Contains("'..' is not allowed", SystemName.Describe("a..b"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("con")]
    [InlineData("lpt3.log")]
    public void Describe_WindowsDeviceName_SaysSo(string name)
    {
        Assert.Contains("reserved device name", SystemName.Describe(name), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_TrailingDot_SaysSo()
    {
        Assert.Contains("must not end with '.'", SystemName.Describe("health."), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public async Task Vault_InvalidName_EveryOperationRejectsAndNothingIsWritten(string? name, string why)
    {
        await using var h = new VaultHarness();
        var sut = h.CreateVault();
        var ct = VaultHarness.Ct;

        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.SaveAsync(name!, new JsonObject { ["a"] = 1 }, cancellationToken: ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.SaveJsonAsync(name!, "{}"u8.ToArray(), cancellationToken: ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.LoadLatestJsonAsync(name!, ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.RestoreAsync(name!, 1, cancellationToken: ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.DeleteAsync(name!, 1, ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => sut.PruneAsync(name ?? string.Empty, cancellationToken: ct));

        Assert.True(h.Folder.Files().Count == 0, why);
        Assert.Empty(Directory.GetDirectories(h.Folder.Path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(h.Folder.Path)!, "passwd"));
    }

    [Fact]
    public void Options_InvalidNameInPerSystemRetention_FailsValidation()
    {
        var sut = new SnapshotVaultOptions();
        sut.RetentionPerSystem["../x"] = StateVault.Retention.RetentionPolicy.Default;

        Assert.Throws<ArgumentException>(sut.Validate);
    }
}
