using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using StateVault.Server.Hosting;

namespace StateVault.Server.Access;

/// <summary>
/// Sliding windows of failed authentications, one per source address and one per presented key id. A failure beyond the
/// limit of either window is answered 429 instead of 401 until enough failures have left the window.
/// </summary>
/// <remarks>
/// Only failures are limited: a request that presents a valid key is authenticated whatever the windows say, so an
/// attacker guessing from the same address as a legitimate client (behind one NAT, or on loopback next to the dashboard)
/// cannot lock it out. Guessing stays pointless because keys carry 256 random bits; the limit keeps failing clients from
/// costing more than a 429 and one log line per window.
/// </remarks>
internal sealed class FailedAuthenticationLimiter(TimeProvider timeProvider, IOptions<StateVaultServerOptions> options)
{
    private const int SweepThreshold = 10_000;

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _bySource = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _byKeyId = new(StringComparer.Ordinal);
    private readonly int _limit = options.Value.FailedAuthenticationLimit;
    private readonly TimeSpan _window = options.Value.FailedAuthenticationWindow;

    /// <summary>
    /// Counts one failed authentication of <paramref name="source"/> (and of <paramref name="keyId"/> when the presented key
    /// named an existing key) and says whether it is over the limit.
    /// </summary>
    /// <param name="source">The client address.</param>
    /// <param name="keyId">The id of an existing key the presented key claimed to be, or <see langword="null"/>; only ids of
    /// existing keys are counted, so made-up ids cannot grow memory.</param>
    /// <param name="verdict">Whether to refuse with 429, for how long, and whether this failure is the first one over the limit.</param>
    public void RecordFailure(IPAddress? source, string? keyId, out FailureVerdict verdict)
    {
        var now = timeProvider.GetUtcNow();
        var bySource = Record(_bySource, Key(source), now);
        var byKey = keyId is null ? default : Record(_byKeyId, keyId, now);
        var retryAfter = bySource.RetryAfter > byKey.RetryAfter ? bySource.RetryAfter : byKey.RetryAfter;
        verdict = new FailureVerdict(retryAfter > TimeSpan.Zero, retryAfter, bySource.JustCrossed || byKey.JustCrossed);
    }

    private static string Key(IPAddress? client) => client?.ToString() ?? "unknown";

    private (TimeSpan RetryAfter, bool JustCrossed) Record(ConcurrentDictionary<string, Queue<DateTimeOffset>> windows, string key, DateTimeOffset now)
    {
        var queue = windows.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
        (TimeSpan, bool) result;
        lock (queue)
        {
            Trim(queue, now);
            var before = queue.Count;
            queue.Enqueue(now);

            // Never more than the limit plus one is needed to decide; a client cannot grow memory per key.
            while (queue.Count > _limit + 1)
            {
                queue.Dequeue();
            }

            if (queue.Count <= _limit)
            {
                result = (TimeSpan.Zero, false);
            }
            else
            {
                // Served again when enough failures have left the window to bring the count to the limit.
                var releasing = queue.ElementAt(queue.Count - _limit);
                var retryAfter = releasing + _window - now;
                result = (retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromSeconds(1), before == _limit);
            }
        }

        if (windows.Count > SweepThreshold)
        {
            Sweep(windows, now);
        }

        return result;
    }

    private void Trim(Queue<DateTimeOffset> queue, DateTimeOffset now)
    {
        while (queue.Count > 0 && queue.Peek() <= now - _window)
        {
            queue.Dequeue();
        }
    }

    private void Sweep(ConcurrentDictionary<string, Queue<DateTimeOffset>> windows, DateTimeOffset now)
    {
        foreach (var (key, queue) in windows)
        {
            lock (queue)
            {
                Trim(queue, now);
                if (queue.Count == 0)
                {
                    windows.TryRemove(KeyValuePair.Create(key, queue));
                }
            }
        }
    }

    /// <summary>The outcome of one recorded failure.</summary>
    /// <param name="Refuse">Whether to answer 429 rather than 401.</param>
    /// <param name="RetryAfter">How long until the failing source or key id is answered 401 again.</param>
    /// <param name="JustCrossed">Whether this failure is the first over the limit in its window (logged once, not per request).</param>
    internal readonly record struct FailureVerdict(bool Refuse, TimeSpan RetryAfter, bool JustCrossed);
}
