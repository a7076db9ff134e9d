using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using StateVault.Server.Hosting;

namespace StateVault.Server.Access;

/// <summary>
/// A sliding window of failed authentications per client address. A client over the limit is refused (429) on every
/// <c>/api</c> request until its oldest counted failure leaves the window, so keys cannot be guessed at speed.
/// </summary>
/// <remarks>
/// All loopback clients share one address: a local process guessing keys also locks out the local dashboard for
/// the window. That is the price of refusing guesses rather than merely slowing them.
/// </remarks>
internal sealed class FailedAuthenticationLimiter(TimeProvider timeProvider, IOptions<StateVaultServerOptions> options)
{
    private const int SweepThreshold = 10_000;

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);
    private readonly int _limit = options.Value.FailedAuthenticationLimit;
    private readonly TimeSpan _window = options.Value.FailedAuthenticationWindow;

    /// <summary>Counts one failed authentication of <paramref name="client"/>.</summary>
    public void RecordFailure(IPAddress? client)
    {
        var now = timeProvider.GetUtcNow();
        var queue = _failures.GetOrAdd(Key(client), _ => new Queue<DateTimeOffset>());
        lock (queue)
        {
            Trim(queue, now);
            queue.Enqueue(now);

            // Never more than the limit plus one is needed to decide; an attacker cannot grow memory per address.
            while (queue.Count > _limit + 1)
            {
                queue.Dequeue();
            }
        }

        if (_failures.Count > SweepThreshold)
        {
            Sweep(now);
        }
    }

    /// <summary>Whether <paramref name="client"/> is over the limit; if so, how long until it is not.</summary>
    public bool IsBlocked(IPAddress? client, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_failures.TryGetValue(Key(client), out var queue))
        {
            return false;
        }

        var now = timeProvider.GetUtcNow();
        lock (queue)
        {
            Trim(queue, now);
            if (queue.Count < _limit)
            {
                return false;
            }

            // Unblocked when enough failures have left the window to bring the count below the limit.
            var releasing = queue.ElementAt(queue.Count - _limit);
            retryAfter = releasing + _window - now;
            return retryAfter > TimeSpan.Zero;
        }
    }

    private static string Key(IPAddress? client) => client?.ToString() ?? "unknown";

    private void Trim(Queue<DateTimeOffset> queue, DateTimeOffset now)
    {
        while (queue.Count > 0 && queue.Peek() <= now - _window)
        {
            queue.Dequeue();
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, queue) in _failures)
        {
            lock (queue)
            {
                Trim(queue, now);
                if (queue.Count == 0)
                {
                    _failures.TryRemove(KeyValuePair.Create(key, queue));
                }
            }
        }
    }
}
