using System.Diagnostics;
using Xunit;

namespace StateVault.TestKit;

/// <summary>
/// Waits for a condition that background work makes true: polls it against a deadline and fails the test with
/// <paramref name="what"/> when the deadline passes. Never a fixed sleep standing in for the condition.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/>, running <paramref name="between"/> (e.g. advancing a fake clock) between polls.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, Action? between = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? s_defaultTimeout;
        while (!await condition().ConfigureAwait(false))
        {
            if (clock.Elapsed > limit)
            {
                Assert.Fail($"Timed out after {limit.TotalSeconds:F0} s waiting for: {what}");
            }

            between?.Invoke();
            await Task.Delay(s_pollInterval, TestContext.Current.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Polls a synchronous <paramref name="condition"/>.</summary>
    public static Task TrueAsync(Func<bool> condition, string what, Action? between = null, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, between, timeout);
}
