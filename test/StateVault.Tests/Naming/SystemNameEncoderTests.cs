using Xunit;

namespace StateVault.Tests.Naming;

public sealed class SystemNameEncoderTests
{
    [Theory]
    [InlineData("order-42", "akka.order-42")]
    [InlineData("Order/42", "akka._4frder_2f42")]
    [InlineData("", "akka._")]
    [InlineData("..", "akka._2e_2e")]
    [InlineData("é", "akka._c3_a9")]
    [InlineData("a_b.c", "akka.a_5fb_2ec")]
    public void Encode_OnePart_EscapesEverythingOutsideLowercaseDigitsAndDash(string part, string expected)
    {
        Assert.Equal(expected, SystemNameEncoder.Encode("akka", part));
    }

    [Fact]
    public void Encode_ManyKeys_GivesValidDistinctNames()
    {
        var random = new Random(7);
        const string alphabet = "aAzZ09-_./\\:é Ж\u0001";
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < 5000; i++)
        {
            var key = new string(Enumerable.Range(0, random.Next(0, 90)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            if (!keys.Add(key))
            {
                continue;
            }

            var sut = SystemNameEncoder.Encode("p", key, "grain");

            Assert.True(SystemName.IsValid(sut), $"'{sut}' for '{key}'");
            Assert.True(names.TryAdd(sut, key), $"'{key}' and '{names.GetValueOrDefault(sut)}' both map to '{sut}'");
        }
    }

    [Fact]
    public void Encode_LongKey_HashesWithAReadableStart()
    {
        var sut = SystemNameEncoder.Encode("orleans", "state", "counter", new string('k', 100));

        Assert.Equal(SystemName.MaxLength, sut.Length);
        Assert.StartsWith("orleans.state.counter.kk", sut, StringComparison.Ordinal);
        Assert.Contains("._h", sut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Akka")]
    [InlineData("a.b")]
    [InlineData("_a")]
    [InlineData("abcdefghijklmnopqrstuvwxy")]
    public void Encode_InvalidPrefix_Throws(string prefix)
    {
        Assert.Throws<ArgumentException>(() => SystemNameEncoder.Encode(prefix, "x"));
    }
}
