using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StateVault.Chunking;

/// <summary>
/// FastCDC-style content-defined chunking (Xia et al., "FastCDC", USENIX ATC 2016; normalized chunking level 2):
/// a gear rolling hash over the bytes picks cut points from the content itself, so an edit moves only the cut points
/// near it and the chunks elsewhere keep their ids.
/// </summary>
/// <remarks>
/// The gear table is generated from a fixed seed by SplitMix64 and must never change: deduplication across versions
/// (and across processes and releases) depends on every chunker cutting the same bytes at the same places. The tests
/// pin entries of the table and the cut points of a fixed input.
/// </remarks>
internal sealed class ContentDefinedChunker
{
    /// <summary>The seed of the gear table ("StateVau" in ASCII). Never change it.</summary>
    internal const ulong GearSeed = 0x5374617465566175UL;

    /// <summary>The smallest accepted average chunk size.</summary>
    internal const int MinAverageSize = 256;

    /// <summary>The largest accepted average chunk size.</summary>
    internal const int MaxAverageSize = 16 * 1024 * 1024;

    internal static readonly ulong[] Gear = CreateGear();

    private readonly ulong _maskSmall;
    private readonly ulong _maskLarge;

    /// <summary>Creates a chunker; minimum = average / 4, maximum = average * 4.</summary>
    /// <param name="averageSize">A power of two from <see cref="MinAverageSize"/> to <see cref="MaxAverageSize"/>.</param>
    public ContentDefinedChunker(int averageSize)
    {
        if (averageSize is < MinAverageSize or > MaxAverageSize || !BitOperations.IsPow2(averageSize))
        {
            throw new ArgumentOutOfRangeException(nameof(averageSize), averageSize, $"The average chunk size must be a power of two from {MinAverageSize} to {MaxAverageSize} bytes.");
        }

        AverageSize = averageSize;
        MinSize = averageSize / 4;
        MaxSize = averageSize * 4;
        var bits = BitOperations.Log2((uint)averageSize);
        // The top bits of the gear hash depend on the last 64 bytes: a window wide enough to look at content, not position.
        // Normalized chunking: harder to cut before the average (2 more bits), easier after it (2 fewer).
        _maskSmall = ulong.MaxValue << (64 - (bits + 2));
        _maskLarge = ulong.MaxValue << (64 - (bits - 2));
    }

    /// <summary>The target average chunk size in bytes.</summary>
    public int AverageSize { get; }

    /// <summary>No chunk but the last is shorter.</summary>
    public int MinSize { get; }

    /// <summary>No chunk is longer.</summary>
    public int MaxSize { get; }

    /// <summary>The length of the first chunk of <paramref name="data"/> (all of it when it is short).</summary>
    public int NextCut(ReadOnlySpan<byte> data)
    {
        var length = data.Length;
        if (length <= MinSize)
        {
            return length;
        }

        if (length > MaxSize)
        {
            length = MaxSize;
        }

        // Sliced to the bounds the loops use, so the JIT drops the bounds checks from the hot loop.
        var normalPart = data[..Math.Min(AverageSize, length)];
        var window = data[..length];
        ref var gear = ref MemoryMarshal.GetArrayDataReference(Gear);
        ulong hash = 0;
        var i = MinSize;
        for (; i < normalPart.Length; i++)
        {
            hash = (hash << 1) + Unsafe.Add(ref gear, normalPart[i]);
            if ((hash & _maskSmall) == 0)
            {
                return i + 1;
            }
        }

        for (; i < window.Length; i++)
        {
            hash = (hash << 1) + Unsafe.Add(ref gear, window[i]);
            if ((hash & _maskLarge) == 0)
            {
                return i + 1;
            }
        }

        return length;
    }

    /// <summary>Splits <paramref name="data"/> into chunks: (offset, length) pairs that together cover it in order.</summary>
    public List<(int Offset, int Length)> Split(ReadOnlySpan<byte> data)
    {
        var result = new List<(int Offset, int Length)>(data.Length / AverageSize + 1);
        var offset = 0;
        while (offset < data.Length)
        {
            var cut = NextCut(data[offset..]);
            result.Add((offset, cut));
            offset += cut;
        }

        return result;
    }

    private static ulong[] CreateGear()
    {
        // SplitMix64 (Steele, Lea, Flood 2014): fixed arithmetic, the same table on every platform and release.
        var table = new ulong[256];
        var state = GearSeed;
        for (var i = 0; i < table.Length; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            table[i] = z ^ (z >> 31);
        }

        return table;
    }
}
