using System.Globalization;

namespace StateVault.Retention;

/// <summary>Computes a <see cref="RetentionPlan"/>: pure, so it is property-tested without a store.</summary>
public static class RetentionPlanner
{
    private const string InvalidReason = "invalid: not counted, quarantined instead of deleted";
    private const string NoRuleReason = "matched no keep rule";
    private static readonly string[] s_keepLastReasons = [.. Enumerable.Range(0, 33).Select(n => string.Create(CultureInfo.InvariantCulture, $"keep-last {n}"))];

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
        if (policy.KeepLast is { } onlyLast && policy.KeepHourly is null && policy.KeepDaily is null && policy.KeepWeekly is null
            && policy.KeepMonthly is null && policy.KeepWithin is null && policy.KeepTags.Count == 0
            && PlanKeepLast(system, candidates, onlyLast) is { } plan)
        {
            return plan;
        }

        return PlanByRules(system, candidates, policy);
    }

    /// <summary>The plan of any policy, rule by rule (<see cref="Plan"/> after validation).</summary>
    internal static RetentionPlan PlanByRules(string system, IEnumerable<Candidate> candidates, RetentionPolicy policy)
    {
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
                reasons[c.Sequence].Add(KeepLastReason(last));
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
                return new RetentionDecision(c.Sequence, null, true, [InvalidReason]);
            }

            var why = reasons[c.Sequence];
            return why.Count > 0
                ? new RetentionDecision(c.Sequence, c.CreatedUtc, true, why)
                : new RetentionDecision(c.Sequence, c.CreatedUtc, false, [NoRuleReason]);
        }).ToList();
        return new RetentionPlan(system, decisions);
    }

    /// <summary>
    /// The plan of a keep-last-only policy (the default, planned on every save), the one <see cref="PlanByRules"/> makes
    /// without its general machinery: the <paramref name="last"/> newest valid are kept, every invalid one is kept (to be
    /// quarantined), the rest removed. <see langword="null"/> when two candidates share a sequence (the rules' path reports that).
    /// </summary>
    private static RetentionPlan? PlanKeepLast(string system, IEnumerable<Candidate> candidates, int last)
    {
        var all = candidates.ToArray();
        Array.Sort(all, static (a, b) => b.Sequence.CompareTo(a.Sequence));
        var keepReason = new[] { KeepLastReason(last) };
        var decisions = new RetentionDecision[all.Length];
        var valid = 0;
        for (var i = 0; i < all.Length; i++)
        {
            var c = all[i];
            if (i > 0 && c.Sequence == all[i - 1].Sequence)
            {
                return null;
            }

            decisions[i] = !c.IsValid ? new RetentionDecision(c.Sequence, null, true, [InvalidReason])
                : valid++ < last ? new RetentionDecision(c.Sequence, c.CreatedUtc, true, keepReason)
                : new RetentionDecision(c.Sequence, c.CreatedUtc, false, [NoRuleReason]);
        }

        return new RetentionPlan(system, decisions);
    }

    private static string KeepLastReason(int last) =>
        last < s_keepLastReasons.Length ? s_keepLastReasons[last] : string.Create(CultureInfo.InvariantCulture, $"keep-last {last}");

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
