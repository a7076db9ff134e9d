using CsCheck;
using StateVault.Retention;

namespace StateVault.Tests.Retention;

public sealed class RetentionPlannerTests
{
    private static readonly DateTimeOffset s_start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static RetentionPlanner.Candidate Valid(long sequence, DateTimeOffset created, params string[] tags) => new(sequence, created, tags, IsValid: true);

    private static RetentionPlanner.Candidate Invalid(long sequence) => new(sequence, DateTimeOffset.MinValue, [], IsValid: false);

    private static long[] Kept(RetentionPlan plan) => plan.Kept.Select(d => d.Sequence).Order().ToArray();

    /// <summary>One snapshot every <paramref name="step"/> from <see cref="s_start"/>, sequences 1..count.</summary>
    private static List<RetentionPlanner.Candidate> Series(int count, TimeSpan step) =>
        Enumerable.Range(1, count).Select(i => Valid(i, s_start + (step * (i - 1)))).ToList();

    [Fact]
    public void Plan_KeepLast_KeepsNewestNAndExplainsTheRest()
    {
        var sut = RetentionPlanner.Plan("s", Series(8, TimeSpan.FromMinutes(1)), new RetentionPolicy { KeepLast = 3 });

        Assert.Equal([6L, 7L, 8L], Kept(sut));
        Assert.All(sut.Removed, d => Assert.Equal("matched no keep rule", Assert.Single(d.Reasons)));
        Assert.Contains("keep-last 3", sut.Decisions.First(d => d.Sequence == 8).Reasons);
        Assert.Equal(sut.Decisions.Select(d => d.Sequence), sut.Decisions.Select(d => d.Sequence).OrderDescending());
    }

    [Fact]
    public void Plan_KeepHourly_KeepsNewestOfEachOfTheNewestNHours()
    {
        // Every 20 minutes for 5 hours: 3 per hour.
        var candidates = Series(15, TimeSpan.FromMinutes(20));

        var sut = RetentionPlanner.Plan("s", candidates, new RetentionPolicy { KeepHourly = 3 });

        // Hours 2, 3 and 4 (0-based); the newest in each is the third of the hour.
        Assert.Equal([9L, 12L, 15L], Kept(sut));
        Assert.Contains(sut.Decisions.Single(d => d.Sequence == 12).Reasons, r => r.StartsWith("hourly 2026-03-01 03", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_KeepDaily_CountsOnlyDaysThatHaveSnapshots()
    {
        var candidates = new[]
        {
            Valid(1, s_start.AddHours(1)), Valid(2, s_start.AddHours(5)),
            Valid(3, s_start.AddDays(3).AddHours(2)), // a gap of two days without snapshots
            Valid(4, s_start.AddDays(4).AddHours(1)), Valid(5, s_start.AddDays(4).AddHours(9)),
        };

        var sut = RetentionPlanner.Plan("s", candidates, new RetentionPolicy { KeepDaily = 3 });

        Assert.Equal([2L, 3L, 5L], Kept(sut));
    }

    [Fact]
    public void Plan_KeepWeekly_UsesIsoWeeks()
    {
        // 2026-03-01 is a Sunday (ISO week 9); 2026-03-02 is the Monday of week 10.
        var candidates = new[]
        {
            Valid(1, s_start.AddHours(-30)), Valid(2, s_start.AddHours(10)), Valid(3, s_start.AddDays(1).AddHours(1)),
            Valid(4, s_start.AddDays(7).AddHours(2)), Valid(5, s_start.AddDays(8)),
        };

        var sut = RetentionPlanner.Plan("s", candidates, new RetentionPolicy { KeepWeekly = 3 });

        // Week 9 ends on Sunday March 1 (#2); week 10 runs to Sunday March 8 (#4); #5 opens week 11.
        Assert.Equal([2L, 4L, 5L], Kept(sut));
        Assert.Contains(sut.Decisions.Single(d => d.Sequence == 5).Reasons, r => r == "weekly 2026-W11");
    }

    [Fact]
    public void Plan_KeepMonthly_KeepsNewestOfEachMonth()
    {
        var candidates = Enumerable.Range(1, 12).Select(i => Valid(i, s_start.AddDays(10 * (i - 1)))).ToList();

        var sut = RetentionPlanner.Plan("s", candidates, new RetentionPolicy { KeepMonthly = 2 });

        // Days 0..110 from March 1: the last snapshot of May is day 90 (#10), June's is day 110 (#12).
        Assert.Equal([10L, 12L], Kept(sut));
    }

    [Fact]
    public void Plan_KeepWithin_KeepsEverythingWithinDurationOfNewest()
    {
        var sut = RetentionPlanner.Plan("s", Series(10, TimeSpan.FromHours(1)), new RetentionPolicy { KeepWithin = TimeSpan.FromHours(3) });

        Assert.Equal([7L, 8L, 9L, 10L], Kept(sut));
    }

    [Fact]
    public void Plan_KeepTagged_KeepsTaggedOnesWhateverTheirAge()
    {
        var candidates = Series(6, TimeSpan.FromDays(40));
        candidates[0] = candidates[0] with { Tags = ["release"] };
        candidates[2] = candidates[2] with { Tags = ["other", "pinned"] };

        var sut = RetentionPlanner.Plan("s", candidates, new RetentionPolicy { KeepLast = 1, KeepTags = ["release", "pinned"] });

        Assert.Equal([1L, 3L, 6L], Kept(sut));
        Assert.Contains("tagged 'pinned'", sut.Decisions.Single(d => d.Sequence == 3).Reasons);
    }

    [Fact]
    public void Plan_CombinedRules_KeepTheUnionWithEveryReason()
    {
        var candidates = Series(48, TimeSpan.FromHours(1));

        var sut = RetentionPlanner.Plan("s", candidates, new RetentionPolicy { KeepLast = 2, KeepDaily = 2, KeepWithin = TimeSpan.FromHours(4) });

        // keep-last: 47, 48; daily: the newest of day 1 (24) and day 2 (48); within 4 h of #48: 44..48.
        Assert.Equal([24L, 44L, 45L, 46L, 47L, 48L], Kept(sut));
        var newest = sut.Decisions.Single(d => d.Sequence == 48).Reasons;
        Assert.Contains("keep-last 2", newest);
        Assert.Contains(newest, r => r.StartsWith("daily", StringComparison.Ordinal));
        Assert.Contains(newest, r => r.StartsWith("within", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_CorruptNewestSnapshots_DoNotPushGoodBackupsOut()
    {
        var candidates = Series(5, TimeSpan.FromMinutes(1)).Concat([Invalid(6), Invalid(7), Invalid(8)]).ToList();

        var sut = RetentionPlanner.Plan("s", candidates, new RetentionPolicy { KeepLast = 3 });

        Assert.Equal([3L, 4L, 5L, 6L, 7L, 8L], Kept(sut));
        Assert.All(sut.Decisions.Where(d => d.Sequence > 5), d => Assert.StartsWith("invalid", d.Reasons[0], StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_EmptyPolicy_KeepsEverything()
    {
        var sut = RetentionPlanner.Plan("s", Series(4, TimeSpan.FromDays(400)), RetentionPolicy.KeepAll);

        Assert.Empty(sut.Removed);
    }

    [Fact]
    public void Plan_NewestValidMatchingNoRule_IsStillKept()
    {
        var candidates = Series(3, TimeSpan.FromDays(1));

        var sut = RetentionPlanner.Plan("s", candidates, new RetentionPolicy { KeepTags = ["never-used"] });

        Assert.Equal([3L], Kept(sut));
        Assert.Equal("newest valid snapshot", Assert.Single(sut.Decisions.Single(d => d.Sequence == 3).Reasons));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(-1, null)]
    [InlineData(null, -5)]
    public void Validate_NonPositiveValues_Throws(int? keepLast, int? withinSeconds)
    {
        var sut = new RetentionPolicy { KeepLast = keepLast, KeepWithin = withinSeconds is { } s ? TimeSpan.FromSeconds(s) : null };

        Assert.Throws<ArgumentException>(() => RetentionPlanner.Plan("s", [], sut));
    }

    // --- properties over random histories and policies -------------------------------------------------------------

    private static readonly Gen<List<RetentionPlanner.Candidate>> s_histories =
        from steps in Gen.Int[1, 200_000].Array[0, 40]           // minutes between snapshots: up to ~4.5 months
        from validity in Gen.Int[0, 9].Array[steps.Length]       // 1 in 10 invalid
        from tagged in Gen.Int[0, 7].Array[steps.Length]
        select steps.Select((_, i) => new RetentionPlanner.Candidate(
            i + 1,
            s_start.AddMinutes(steps.Take(i + 1).Sum(s => (double)s)),
            tagged[i] == 0 ? ["keep"] : [],
            validity[i] != 0)).ToList();

    private static readonly Gen<int?> s_count = Gen.Int[0, 6].Select(i => i == 0 ? (int?)null : i);

    private static readonly Gen<RetentionPolicy> s_policies =
        from last in s_count
        from hourly in s_count
        from daily in s_count
        from weekly in s_count
        from monthly in s_count
        from withinHours in Gen.Int[0, 200]
        from tags in Gen.Bool
        select new RetentionPolicy
        {
            KeepLast = last,
            KeepHourly = hourly,
            KeepDaily = daily,
            KeepWeekly = weekly,
            KeepMonthly = monthly,
            KeepWithin = withinHours == 0 ? null : TimeSpan.FromHours(withinHours),
            KeepTags = tags ? ["keep"] : [],
        };

    [Fact]
    public void Plan_AnyHistoryAndPolicy_NeverRemovesNewestValidOrAnyInvalid()
    {
        Gen.Select(s_histories, s_policies).Sample((history, policy) =>
        {
            var sut = RetentionPlanner.Plan("s", history, policy);

            Assert.Equal(history.Count, sut.Decisions.Count);
            var kept = Kept(sut).ToHashSet();
            Assert.All(history.Where(c => !c.IsValid), c => Assert.Contains(c.Sequence, kept));
            if (history.Any(c => c.IsValid))
            {
                Assert.Contains(history.Where(c => c.IsValid).Max(c => c.Sequence), kept);
            }
        }, iter: 500);
    }

    [Fact]
    public void Plan_CombinedPolicy_KeepsExactlyTheUnionOfItsSingleRules()
    {
        Gen.Select(s_histories, s_policies).Sample((history, policy) =>
        {
            var singles = new[]
            {
                policy.KeepLast is null ? null : new RetentionPolicy { KeepLast = policy.KeepLast },
                policy.KeepHourly is null ? null : new RetentionPolicy { KeepHourly = policy.KeepHourly },
                policy.KeepDaily is null ? null : new RetentionPolicy { KeepDaily = policy.KeepDaily },
                policy.KeepWeekly is null ? null : new RetentionPolicy { KeepWeekly = policy.KeepWeekly },
                policy.KeepMonthly is null ? null : new RetentionPolicy { KeepMonthly = policy.KeepMonthly },
                policy.KeepWithin is null ? null : new RetentionPolicy { KeepWithin = policy.KeepWithin },
                policy.KeepTags.Count == 0 ? null : new RetentionPolicy { KeepTags = policy.KeepTags },
            }.OfType<RetentionPolicy>().ToList();
            if (singles.Count == 0)
            {
                singles.Add(RetentionPolicy.KeepAll);
            }

            var union = singles.SelectMany(p => Kept(RetentionPlanner.Plan("s", history, p))).ToHashSet();

            var sut = RetentionPlanner.Plan("s", history, policy);

            Assert.Equal(union.Order(), Kept(sut));
        }, iter: 500);
    }

    [Fact]
    public void Plan_KeepLast_KeepsTheNNewestValidAndCountsNothingElse()
    {
        Gen.Select(s_histories, Gen.Int[1, 8]).Sample((history, n) =>
        {
            var sut = RetentionPlanner.Plan("s", history, new RetentionPolicy { KeepLast = n });

            var expected = history.Where(c => c.IsValid).OrderByDescending(c => c.Sequence).Take(n)
                .Concat(history.Where(c => !c.IsValid)).Select(c => c.Sequence).Order();
            Assert.Equal(expected, Kept(sut));
        }, iter: 300);
    }

    [Fact]
    public void Plan_KeepLastOnly_IsThePlanTheRulesMake_DecisionForDecision()
    {
        // A keep-last-only policy (the default) takes a path of its own: it must be the plan the general rules make, in any
        // order the candidates come in, reasons included.
        Gen.Select(s_histories, Gen.Int[1, 40], Gen.Int).Sample((history, n, seed) =>
        {
            var shuffled = history.ToArray();
            new Random(seed).Shuffle(shuffled);
            var policy = new RetentionPolicy { KeepLast = n };

            var sut = RetentionPlanner.Plan("s", shuffled, policy);

            static IEnumerable<string> Described(RetentionPlan plan) => plan.Decisions.Select(d => $"{d.Sequence} {d.CreatedUtc:O} {d.Keep} {string.Join("|", d.Reasons)}");
            Assert.Equal(Described(RetentionPlanner.PlanByRules("s", shuffled, policy)), Described(sut));
        }, iter: 500);
    }

    [Fact]
    public void Plan_DailyBuckets_KeepAtMostNAndEachIsTheNewestOfItsDay()
    {
        Gen.Select(s_histories, Gen.Int[1, 6]).Sample((history, n) =>
        {
            var sut = RetentionPlanner.Plan("s", history, new RetentionPolicy { KeepDaily = n });

            var valid = history.Where(c => c.IsValid).ToList();
            var keptValid = sut.Kept.Where(d => valid.Any(v => v.Sequence == d.Sequence)).ToList();
            Assert.True(keptValid.Count <= Math.Max(n, 1), $"{keptValid.Count} kept for daily {n}");
            foreach (var decision in keptValid)
            {
                var day = decision.CreatedUtc!.Value.UtcDateTime.Date;
                var newestOfDay = valid.Where(v => v.CreatedUtc.UtcDateTime.Date == day).MaxBy(v => (v.CreatedUtc, v.Sequence));
                Assert.Equal(newestOfDay.Sequence, decision.Sequence);
            }

            var days = valid.Select(v => v.CreatedUtc.UtcDateTime.Date).Distinct().Count();
            Assert.Equal(Math.Min(n, days), keptValid.Count);
        }, iter: 300);
    }
}
