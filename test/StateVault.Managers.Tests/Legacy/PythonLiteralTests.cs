using System.Text.Json.Nodes;
using StateVault.Managers.Legacy;
using Xunit;

namespace StateVault.Managers.Tests.Legacy;

public sealed class PythonLiteralTests
{
    [Fact]
    public void TryParse_DictRepr_Json()
    {
        Assert.True(PythonLiteral.TryParse("{'a': 1, 'b': [True, None, 2.5], 'c': ('x', \"it's\"), 'd': {}}", out var node));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":1,"b":[true,null,2.5],"c":["x","it's"],"d":{}}"""), node));
    }

    [Fact]
    public void TryParse_DatetimeInside_KeptAsTextForTypedCoercion()
    {
        Assert.True(PythonLiteral.TryParse("{'t': datetime.datetime(2024, 1, 15, 10, 30, 1, 250000)}", out var node));

        var text = node!["t"]!.GetValue<string>();
        Assert.Equal(new DateTime(2024, 1, 15, 10, 30, 1, 250), PythonLiteral.DateTimeRepr(text));
    }

    [Theory]
    [InlineData("AlertSeverity.HIGH", "high")]
    [InlineData("AlertType.SYSTEM_HEALTH", "system_health")]
    [InlineData("<ManagerStatus.SHUTTING_DOWN: 'shutting_down'>", "shutting_down")]
    [InlineData("<Level.TWO: 2>", "two")]
    [InlineData("high", null)]
    public void EnumValue_Repr_SnakeCaseValue(string text, string? expected) => Assert.Equal(expected, PythonLiteral.EnumValue(text));

    [Theory]
    [InlineData("{'a': }")]
    [InlineData("[1, 2")]
    [InlineData("plain text, with commas")]
    public void TryParse_NotALiteral_False(string text) => Assert.False(PythonLiteral.TryParse(text, out _));
}
