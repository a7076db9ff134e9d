using Xunit;

namespace StateVault.Managers.Tests;

/// <summary>Waits for a condition with a deadline (polls; optionally runs a step between polls).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, Action? between = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for: {what}");
            }

            between?.Invoke();
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
