using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using StateVault.Secrets;
using StateVault.Tests.Support;

namespace StateVault.Tests.Secrets;

public sealed class SecretScannerTests
{
    public static TheoryData<string, string, string> Secrets
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach (var (name, value, kind) in FakeSecrets.All)
            {
                data.Add(name, value, kind);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Secrets))]
    public void Classify_EachKnownFormat_IsFound(string name, string value, string kind)
    {
        Assert.True(SecretScanner.Classify(value) == kind, $"{name}: expected {kind}, got {SecretScanner.Classify(value) ?? "nothing"}");
    }

    [Theory]
    [MemberData(nameof(Secrets))]
    public void Classify_KnownFormatInsideText_IsFound(string name, string value, string kind)
    {
        Assert.True(SecretScanner.Classify($"config line: token={value} (rotated)") == kind, name);
    }

    [Theory]
    [InlineData("task-manager-service-for-the-cluster-nodes")]
    [InlineData("risk-assessment-of-the-deployment-pipeline")]
    [InlineData("sk-short")]
    [InlineData("sk-learn-tutorial-for-beginners-and-experts")]
    [InlineData("desk-0123456789abcdefghijklmnopqrstuv")]
    [InlineData("AKIA0123456789ABCDE")]               // AKIA + 15
    [InlineData("AKIA0123456789abcdef")]              // lower case: not an access key id
    [InlineData("task-proj-management-for-the-team-members")] // "sk-proj-" inside a word, then plain words
    [InlineData("risk-admin-panel-for-the-cluster-nodes")]    // "sk-admin-" inside a word
    [InlineData("desk-None-of-the-tickets-were-closed-today")]
    [InlineData("100%25 done, see %2Fdocs%2Fsk-learn-intro")] // percent-encoded text without a key
    [InlineData("a%20b%20c%20d%20e%20f%20g%20h%20i")]
    [InlineData("ghp_tooShort0123")]
    [InlineData("github_pat_short")]
    [InlineData("xoxb-1234")]
    [InlineData("AIzaTooShort-0123456789")]
    [InlineData("sk_test_0123456789abcdefghijklmnop")] // Stripe test keys are not live secrets
    [InlineData("eyJhbGciOiJIUzI1NiJ9 is a header only")]
    [InlineData("-----BEGIN PUBLIC KEY-----")]
    [InlineData("-----BEGIN CERTIFICATE-----")]
    [InlineData("The quick brown fox jumps over the lazy dog, twice over.")]
    [InlineData("550e8400-e29b-41d4-a716-446655440000")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427ed41d8cd98f00b204e9800998ecf8427e")]
    public void Classify_NearMisses_AreNotSecrets(string value)
    {
        Assert.Null(SecretScanner.Classify(value));
    }

    /// <summary>
    /// The twelve hiding places an outside attack run used (issue 12, item 4): a letter or digit glued before the key,
    /// a URL-encoded key (<c>Bearer%20sk-proj-…</c>), an AWS key id with characters after it.
    /// </summary>
    public static TheoryData<string, string, string> HiddenKeys => new()
    {
        { "letter before openai project key", "x" + FakeSecrets.OpenAiProject, "openai-key" },
        { "digit before openai project key", "1" + FakeSecrets.OpenAiProject, "openai-key" },
        { "letter before anthropic key", "a" + FakeSecrets.Anthropic, "anthropic-key" },
        { "letter before github token", "v" + FakeSecrets.GitHubClassic, "github-token" },
        { "digit before google key", "7" + FakeSecrets.Google, "google-api-key" },
        { "letter before aws key id", "X" + FakeSecrets.AwsAccessKeyId, "aws-access-key-id" },
        { "aws key id with trailing letters", FakeSecrets.AwsAccessKeyId + "EXTRA", "aws-access-key-id" },
        { "aws key id glued on both sides", "id" + FakeSecrets.AwsAccessKeyId + "abc", "aws-access-key-id" },
        { "url-encoded bearer openai key", "Bearer%20" + FakeSecrets.OpenAiProject, "openai-key" },
        { "url-encoded bearer jwt", "Authorization=Bearer%20" + FakeSecrets.Jwt, "jwt" },
        { "url-encoded legacy openai key", "key%3D" + FakeSecrets.OpenAiLegacy, "openai-key" },
        { "percent-encoded key prefix", "%73%6B-proj-" + FakeSecrets.OpenAiProject["sk-proj-".Length..], "openai-key" },
    };

    [Theory]
    [MemberData(nameof(HiddenKeys))]
    public void Scan_KeyGluedEncodedOrWithTrailingCharacters_IsFound(string name, string value, string kind)
    {
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { note = value }));

        var sut = SecretScanner.Scan(json);

        Assert.True(sut.Count == 1 && sut[0] == new SecretFinding("$.note", kind), $"{name}: expected {kind} at $.note, got [{string.Join(", ", sut)}]");
    }

    [Theory]
    [MemberData(nameof(HiddenKeys))]
    public void Redact_KeyGluedEncodedOrWithTrailingCharacters_IsReplaced(string name, string value, string kind)
    {
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { note = value }));

        var (redacted, replaced, _) = SecretScanner.Redact(json);

        Assert.True(replaced.Count == 1 && replaced[0].Kind == kind, name);
        Assert.StartsWith($"[REDACTED:{kind}:", JsonNode.Parse(redacted)!["note"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_NestedDocument_ReportsJsonPathsAndKindsNeverValues()
    {
        var json = new JsonObject
        {
            ["name"] = "gateway",
            ["providers"] = new JsonArray(
                new JsonObject { ["id"] = "a", ["key"] = FakeSecrets.OpenAiProject },
                new JsonObject { ["id"] = "b", ["notes"] = new JsonArray("fine", FakeSecrets.AwsAccessKeyId) }),
            ["odd key"] = FakeSecrets.Jwt,
        }.ToJsonString();

        var sut = SecretScanner.Scan(Encoding.UTF8.GetBytes(json));

        Assert.Equal(
            [new SecretFinding("$.providers[0].key", "openai-key"), new SecretFinding("$.providers[1].notes[1]", "aws-access-key-id"), new SecretFinding("$['odd key']", "jwt")],
            sut);
        Assert.All(sut, f => Assert.DoesNotContain(f.Path, json.Split('"').Where(s => s.Length > 15)));
    }

    [Fact]
    public void Scan_SecretAsPropertyName_IsFoundAndNotEchoedInPaths()
    {
        var key = FakeSecrets.StripeLive;
        var json = Encoding.UTF8.GetBytes(new JsonObject { [key] = new JsonObject { ["inner"] = FakeSecrets.Google } }.ToJsonString());

        var sut = SecretScanner.Scan(json);

        Assert.Equal(2, sut.Count);
        Assert.Equal("stripe-live-key", sut[0].Kind);
        Assert.All(sut, f => Assert.DoesNotContain(key, f.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void Scan_CleanDocument_FindsNothing()
    {
        var json = """{"thresholds":{"cpu":80},"agents":["task-manager-0001","risk-assessment"],"n":null,"ok":true,"list":[1,2.5,-3]}"""u8;

        Assert.Empty(SecretScanner.Scan(json));
    }

    [Fact]
    public void Scan_WithPrefilter_FindsExactlyWhatTheFullScanFinds()
    {
        var pieces = FakeSecrets.All.Select(s => s.Value)
            .Concat(["task-manager-0123456789abcdefghij", "sk-short", "hello wörld ünïcode 🚀 text here", "AKIA0123", "plain text that is long enough", "-----BEGIN", "eyJ"])
            .ToArray();
        var gen =
            from values in Gen.Int[0, pieces.Length - 1].Array[1, 8]
            from keys in Gen.String[Gen.Char.AlphaNumeric, 1, 6].Array[values.Length]
            from prefix in Gen.String[Gen.Char["ab -_\u00e9\n\"x"], 0, 4]
            from relaxed in Gen.Bool
            select (values, keys, prefix, relaxed);

        gen.Sample((values, keys, prefix, relaxed) =>
        {
            var obj = new JsonObject();
            for (var i = 0; i < values.Length; i++)
            {
                obj[keys[i] + i] = new JsonArray(prefix + pieces[values[i]], i);
            }

            // The default encoder writes \uXXXX escapes (for é, +, emoji …); the relaxed one writes them raw.
            var json = Encoding.UTF8.GetBytes(obj.ToJsonString(new JsonSerializerOptions { Encoder = relaxed ? JavaScriptEncoder.UnsafeRelaxedJsonEscaping : JavaScriptEncoder.Default }));

            Assert.Equal(SecretScanner.ScanEveryString(json), SecretScanner.Scan(json));
        }, iter: 400);
    }

    [Fact]
    public void Scan_SecretSpelledWithUnicodeEscapes_IsStillFound()
    {
        var secret = FakeSecrets.OpenAiLegacy;
        var escaped = string.Concat(secret.Select(c => $"\\u{(int)c:x4}"));
        var json = Encoding.UTF8.GetBytes($"{{\"k\":\"{escaped}\"}}");

        var sut = SecretScanner.Scan(json);

        Assert.Equal(new SecretFinding("$.k", "openai-key"), Assert.Single(sut));
    }

    [Fact]
    public void MayContainSecret_AnchorAcrossAPrefilterChunkBorder_IsFound()
    {
        foreach (var offset in Enumerable.Range(32 * 1024 - 16, 20))
        {
            var filler = new string('x', offset - 8);
            var json = Encoding.UTF8.GetBytes($"{{\"a\":\"{filler}\",\"b\":\"{FakeSecrets.GitHubFineGrained}\"}}");

            Assert.True(SecretScanner.MayContainSecret(json), $"offset {offset}");
            Assert.Equal("github-token", Assert.Single(SecretScanner.Scan(json)).Kind);
        }
    }

    [Fact]
    public void MayContainSecret_CleanLargeDocument_IsFalse()
    {
        var json = Encoding.UTF8.GetBytes(new JsonArray([.. Enumerable.Range(0, 20_000).Select(i => (JsonNode)$"entry {i} — ünïcode, plain words, no key-like text")]).ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

        Assert.False(SecretScanner.MayContainSecret(json));
        Assert.Empty(SecretScanner.Scan(json));
    }

    [Fact]
    public void Redact_ReplacesValuesWithKindAndShortHash()
    {
        var secret = FakeSecrets.SlackBot;
        var json = Encoding.UTF8.GetBytes(new JsonObject { ["a"] = new JsonArray("keep me", secret) }.ToJsonString());

        var (redacted, replaced, unredactable) = SecretScanner.Redact(json);

        var text = Encoding.UTF8.GetString(redacted);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.Matches(@"^\[REDACTED:slack-token:[0-9a-f]{8}\]$", JsonNode.Parse(redacted)!["a"]![1]!.GetValue<string>());
        Assert.Equal("keep me", JsonNode.Parse(redacted)!["a"]![0]!.GetValue<string>());
        Assert.Equal(new SecretFinding("$.a[1]", "slack-token"), Assert.Single(replaced));
        Assert.Empty(unredactable);
    }
}
