using Microsoft.Extensions.Time.Testing;
using StateVault.TestKit;
using Xunit;

namespace StateVault.Tests.Crash;

/// <summary>
/// The long crash and failover tests' guard against a hang: it fires only after a whole window without a step, however long the
/// test has run, and it tells a hang from the test's own cancellation.
/// </summary>
public sealed class HangGuardTests
{
    [Fact]
    public void Progress_EveryStepWithinTheWindow_NeverFires_ThoughTheTestRunsMuchLongerThanTheWindow()
    {
        var time = new FakeTimeProvider();
        using var guard = new HangGuard(TimeSpan.FromMinutes(2), CancellationToken.None, time);
        for (var step = 0; step < 20; step++)
        {
            time.Advance(TimeSpan.FromSeconds(110));
            Assert.False(guard.Token.IsCancellationRequested, $"fired at step {step}, {110 * (step + 1)} s in, each step inside the window");
            guard.Progress($"round {step}");
        }

        Assert.Equal(20, guard.Steps);
    }

    [Fact]
    public void NoStepForAWholeWindow_Fires_AndNamesTheLastStepReached()
    {
        var time = new FakeTimeProvider();
        using var guard = new HangGuard(TimeSpan.FromMinutes(2), CancellationToken.None, time);
        guard.Progress("round 0");
        guard.Progress("round 1");
        time.Advance(TimeSpan.FromSeconds(119));
        Assert.False(guard.Fired);

        time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(guard.Token.IsCancellationRequested);
        Assert.True(guard.Fired);
        Assert.Contains("after 2 steps, the last 'round 1'", guard.Describe(), StringComparison.Ordinal);
        guard.Progress("too late"); // a lane still running after the guard fired neither throws nor revives it
        Assert.True(guard.Fired);
    }

    [Fact]
    public void TheTestsOwnTokenCancelled_CancelsTheGuardsToken_ButIsNotAHang()
    {
        var time = new FakeTimeProvider();
        using var outer = new CancellationTokenSource();
        using var guard = new HangGuard(TimeSpan.FromMinutes(2), outer.Token, time);

        outer.Cancel();

        Assert.True(guard.Token.IsCancellationRequested);
        Assert.False(guard.Fired);
    }
}
