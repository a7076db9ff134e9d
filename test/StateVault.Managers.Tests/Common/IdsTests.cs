using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace StateVault.Managers.Tests.Common;

public sealed class IdsTests
{
    [Fact]
    public void New_ManyInTheSameSecond_AllDistinct()
    {
        // The original made ids as name_<unix seconds>: two in one second collided.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

        var ids = Enumerable.Range(0, 10_000).Select(_ => Ids.New("alert", time)).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches("^alert_[0-9a-f]{32}$", id));
    }

    [Fact]
    public void New_LaterTime_SortsAfter()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var first = Ids.New("op", time);
        time.Advance(TimeSpan.FromMilliseconds(2));

        var second = Ids.New("op", time);

        Assert.True(string.CompareOrdinal(first, second) < 0);
    }
}
