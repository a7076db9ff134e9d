namespace StateVault;

/// <summary>
/// The range of snapshot sequence numbers. Sequences start at 1 and stop one short of <see cref="long.MaxValue"/>, so
/// "latest + 1" of any valid sequence never wraps to a negative number.
/// </summary>
public static class SnapshotSequence
{
    /// <summary>The first sequence of a system.</summary>
    public const long MinValue = 1;

    /// <summary>The largest sequence any path accepts.</summary>
    public const long MaxValue = long.MaxValue - 1;

    /// <summary>Whether <paramref name="sequence"/> is in <see cref="MinValue"/>..<see cref="MaxValue"/>.</summary>
    public static bool IsValid(long sequence) => sequence is >= MinValue and <= MaxValue;
}
