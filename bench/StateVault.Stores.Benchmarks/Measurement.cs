namespace StateVault.Stores.Benchmarks;

/// <summary>The latencies of one cell (one store, one kind of operation, one state size) and how long it ran.</summary>
internal sealed record Measurement(double[] SortedMilliseconds, double ElapsedSeconds, bool StoppedByTime)
{
    public int Count => SortedMilliseconds.Length;

    /// <summary>Operations per second over the cell's wall-clock time (meaningful for the concurrent cell).</summary>
    public double Rate => Count / ElapsedSeconds;

    public double P50 => Percentile(0.50);

    public double P99 => Percentile(0.99);

    public static Measurement From(IEnumerable<double> milliseconds, double elapsedSeconds, bool stoppedByTime) =>
        new([.. milliseconds.Order()], elapsedSeconds, stoppedByTime);

    /// <summary>Nearest rank: with 60 samples, p99 is the slowest one.</summary>
    private double Percentile(double p) =>
        Count == 0 ? double.NaN : SortedMilliseconds[Math.Clamp((int)Math.Ceiling(p * Count) - 1, 0, Count - 1)];
}
