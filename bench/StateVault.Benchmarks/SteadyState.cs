namespace StateVault.Benchmarks;

/// <summary>
/// Warm-up to the steady state a long-running service runs in. The framework's own code (System.Text.Json, FileStream)
/// ships precompiled and optimized, while StateVault and its packages start as unoptimized tier-0 JIT code: measured
/// after a few calls, a peer built on the framework looks faster than it is next to code that has not been optimized yet
/// (XXH128 of 64 KiB took 40-80 µs at tier 0 against 3 µs at tier 1). Tiered compilation counts calls only after about
/// 100 ms without new tier-0 compilation, promotes a method after 30 calls, and compiles the optimized code (with dynamic
/// PGO, through an instrumented tier first) on a background thread: three phases of calls, each followed by a pause, get
/// every method a workload runs there. Every peer is warmed the same way.
/// </summary>
internal static class SteadyState
{
    private const int Phases = 3;
    private static readonly TimeSpan s_pause = TimeSpan.FromMilliseconds(250);

    /// <summary>Runs <paramref name="round"/> <paramref name="callsPerPhase"/> times in each of three phases, pausing after each.</summary>
    public static async Task WarmUpAsync(Func<Task> round, int callsPerPhase)
    {
        for (var phase = 0; phase < Phases; phase++)
        {
            for (var i = 0; i < callsPerPhase; i++)
            {
                await round();
            }

            await Task.Delay(s_pause);
        }
    }
}
