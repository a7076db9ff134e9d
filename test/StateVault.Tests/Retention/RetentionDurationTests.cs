using StateVault.Retention;

namespace StateVault.Tests.Retention;

public sealed class RetentionDurationTests
{
    public static TheoryData<string, TimeSpan> Valid => new()
    {
        { "7d", TimeSpan.FromDays(7) },
        { "12h", TimeSpan.FromHours(12) },
        { "30m", TimeSpan.FromMinutes(30) },
        { "45s", TimeSpan.FromSeconds(45) },
        { "2w", TimeSpan.FromDays(14) },
        { "1d12h", TimeSpan.FromHours(36) },
        { "1w2d3h4m5s", new TimeSpan(9, 3, 4, 5) },
        { " 7d ", TimeSpan.FromDays(7) },
        // The TimeSpan constant form ([d.]hh:mm:ss) that the mirror URI, the API and configuration used to take.
        { "7.00:00:00", TimeSpan.FromDays(7) },
        { "00:05:00", TimeSpan.FromMinutes(5) },
        { "1.12:00:00", TimeSpan.FromHours(36) },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void TryParse_ShortOrTimeSpanForm_ReturnsTheDuration(string text, TimeSpan expected)
    {
        Assert.True(RetentionDuration.TryParse(text, out var sut), text);
        Assert.Equal(expected, sut);
        Assert.Equal(expected, RetentionDuration.Parse(text));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("7")]
    [InlineData("d")]
    [InlineData("7x")]
    [InlineData("7D")]
    [InlineData("-7d")]
    [InlineData("0d")]
    [InlineData("0s0m")]
    [InlineData("00:00:00")]
    [InlineData("-1.00:00:00")]
    [InlineData("7d 12h")]
    [InlineData("1.5d")]
    [InlineData("9999999999d")]
    [InlineData("999999999w999999999w")]
    [InlineData("P7D")]
    public void TryParse_NotAPositiveDuration_IsFalseAndParseThrowsWithTheSyntax(string? text)
    {
        Assert.False(RetentionDuration.TryParse(text, out _));

        var ex = Assert.Throws<FormatException>(() => RetentionDuration.Parse(text!));
        Assert.Contains("7d", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7 * 24 * 3600, "7d")]
    [InlineData(36 * 3600, "1d12h")]
    [InlineData(90, "1m30s")]
    [InlineData(30 * 24 * 3600, "30d")]
    [InlineData((2 * 24 * 3600) + 5, "2d5s")]
    public void Format_ThenParse_RoundTrips(int seconds, string expected)
    {
        var duration = TimeSpan.FromSeconds(seconds);

        var sut = RetentionDuration.Format(duration);

        Assert.Equal(expected, sut);
        Assert.Equal(duration, RetentionDuration.Parse(sut));
    }
}
