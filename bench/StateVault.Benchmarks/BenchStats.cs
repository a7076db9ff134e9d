namespace StateVault.Benchmarks;

/// <summary>What the runners report their figures with: the machine's load average, and medians.</summary>
internal static class BenchStats
{
    /// <summary>The load average line of <c>/proc/loadavg</c>, or "n/a" where there is none.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    /// <summary>The median of <paramref name="values"/>: the middle one, or the mean of the two middle ones for an even count.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
