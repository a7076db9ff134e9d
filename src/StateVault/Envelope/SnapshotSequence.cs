using System.Globalization;

namespace StateVault;

/// <summary>
/// The range of snapshot sequence numbers: <see cref="MinValue"/> to <see cref="MaxValue"/>. Every append path refuses to go
/// past it, so a sequence never wraps to a negative number, and a header or an upload naming a number outside it is refused.
/// </summary>
public static class SnapshotSequence
{
    /// <summary>The first sequence of a system.</summary>
    public const long MinValue = 1;

    /// <summary>
    /// The highest sequence number: 2^53 − 1, the largest integer every JSON client (JavaScript's
    /// <c>Number.MAX_SAFE_INTEGER</c>) reads exactly. At one save per microsecond it lasts 285 years.
    /// </summary>
    public const long MaxValue = 9_007_199_254_740_991;

    /// <summary>Whether <paramref name="sequence"/> is in <see cref="MinValue"/>..<see cref="MaxValue"/>.</summary>
    public static bool IsValid(long sequence) => sequence is >= MinValue and <= MaxValue;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <paramref name="sequence"/> is outside <see cref="MinValue"/>..<see cref="MaxValue"/>.</summary>
    /// <returns>The same sequence, for chaining.</returns>
    public static long Validate(long sequence, string paramName = "sequence") =>
        IsValid(sequence)
            ? sequence
            : throw new ArgumentOutOfRangeException(paramName, sequence, string.Create(CultureInfo.InvariantCulture, $"A snapshot sequence is a whole number from {MinValue} to {MaxValue}."));

    /// <summary>The sequence after <paramref name="latest"/>, for a store allocating the next number of <paramref name="system"/>.</summary>
    /// <exception cref="SnapshotSequenceExhaustedException"><paramref name="latest"/> is already <see cref="MaxValue"/> (or beyond):
    /// nothing more can be appended to this system.</exception>
    public static long Next(string system, long latest) =>
        latest is >= 0 and < MaxValue
            ? latest + 1
            : throw new SnapshotSequenceExhaustedException(system, latest);
}
