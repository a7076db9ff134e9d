using System.Collections.Immutable;

namespace StateVault.Managers;

/// <summary>Appends to immutable histories that keep only their newest entries.</summary>
internal static class BoundedList
{
    public static ImmutableList<T> AppendBounded<T>(this ImmutableList<T> list, T item, int max)
    {
        var result = (list ?? []).Add(item);
        return result.Count > max ? result.RemoveRange(0, result.Count - max) : result;
    }

    /// <summary>The same entries with ordinal key order (deserialization creates culture-sensitive comparers).</summary>
    public static ImmutableSortedDictionary<string, T> Ordinal<T>(this ImmutableSortedDictionary<string, T>? dictionary) =>
        (dictionary ?? ImmutableSortedDictionary<string, T>.Empty).WithComparers(StringComparer.Ordinal);
}
