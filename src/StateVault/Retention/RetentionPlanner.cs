using System.Globalization;

namespace StateVault.Retention;

/// <summary>Computes a <see cref="RetentionPlan"/>: pure, so it is property-tested without a store.</summary>
public static class RetentionPlanner
{
    /// <summary>One snapshot as the planner sees it.</summary>
    /// <param name="Sequence">Sequence number.</param>
    /// <param name="CreatedUtc">Creation time from the verified header.</param>
    /// <param name="Tags">Tags from the verified header.</param>
    /// <param name="IsValid">Whether the snapshot verified. Invalid snapshots never count toward a rule and are not planned for removal here (the engine quarantines them).</param>
    public readonly record struct Candidate(long Sequence, DateTimeOffset CreatedUtc, IReadOnlyList<string> Tags, bool IsValid);

    /// <summary>Plans which valid snapshots to keep. Invalid ones are kept in the plan with the reason "invalid" so nothing deletes them.</summary>
    public static RetentionPlan Plan(string system, IEnumerable<Candidate> candidates, RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        var all = candidates.OrderByDescending(c => c.Sequence).ToList();
        var valid = all.Where(c => c.IsValid).ToList();
        var reasons = all.ToDictionary(c => c.Sequence, _ => new List<string>());

        if (policy.IsEmpty)
        {
            foreach (var c in valid)
            {
                reasons[c.Sequence].Add("no retention rule");
            }
        }

        if (policy.KeepLast is { } last)
        {
            foreach (var c in valid.Take(last))
            {
                reasons[c.Sequence].Add($"keep-last {last}");
            }
        }

        KeepBuckets(valid, policy.KeepHourly, "hourly", t => t.ToString("yyyy-MM-dd HH", CultureInfo.InvariantCulture), reasons);
        KeepBuckets(valid, policy.KeepDaily, "daily", t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), reasons);
        KeepBuckets(valid, policy.KeepWeekly, "weekly", t => $"{ISOWeek.GetYear(t.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(t.UtcDateTime):00}", reasons);
        KeepBuckets(valid, policy.KeepMonthly, "monthly", t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture), reasons);

        if (policy.KeepWithin is { } within && valid.Count > 0)
        {
            var newest = valid.Max(c => c.CreatedUtc);
            foreach (var c in valid.Where(c => c.CreatedUtc >= newest - within))
            {
                reasons[c.Sequence].Add($"within {within} of newest");
            }
        }

        if (policy.KeepTags.Count > 0)
        {
            foreach (var c in valid)
            {
                var tag = c.Tags.FirstOrDefault(t => policy.KeepTags.Contains(t, StringComparer.Ordinal));
                if (tag is not null)
                {
                    reasons[c.Sequence].Add($"tagged '{tag}'");
                }
            }
        }

        if (valid.Count > 0 && reasons[valid[0].Sequence].Count == 0)
        {
            reasons[valid[0].Sequence].Add("newest valid snapshot");
        }

        var decisions = all.Select(c =>
        {
            if (!c.IsValid)
            {
                return new RetentionDecision(c.Sequence, null, true, ["invalid: not counted, quarantined instead of deleted"]);
            }

            var why = reasons[c.Sequence];
            return why.Count > 0
                ? new RetentionDecision(c.Sequence, c.CreatedUtc, true, why)
                : new RetentionDecision(c.Sequence, c.CreatedUtc, false, ["matched no keep rule"]);
        }).ToList();
        return new RetentionPlan(system, decisions);
    }

    private static void KeepBuckets(List<Candidate> valid, int? count, string name, Func<DateTimeOffset, string> bucketOf, Dictionary<long, List<string>> reasons)
    {
        if (count is not { } n)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Newest first: the first snapshot met in a bucket is the newest of that bucket.
        foreach (var c in valid.OrderByDescending(c => c.CreatedUtc).ThenByDescending(c => c.Sequence))
        {
            if (seen.Count >= n && !seen.Contains(bucketOf(c.CreatedUtc.ToUniversalTime())))
            {
                break;
            }

            var bucket = bucketOf(c.CreatedUtc.ToUniversalTime());
            if (seen.Add(bucket))
            {
                reasons[c.Sequence].Add($"{name} {bucket}");
            }
        }
    }
}
