using System.Globalization;

namespace StateVault.Managers;

/// <summary>
/// Unique identifiers: a prefix and a version-7 GUID (48-bit millisecond time + 74 random bits), so ids sort by creation
/// time and two made in the same second (or millisecond) never collide — the original's <c>name_&lt;unix seconds&gt;</c> did.
/// </summary>
public static class Ids
{
    /// <summary>A new id such as <c>alert_01970c0e5c2a7b3f8d4e6a1b2c3d4e5f</c>.</summary>
    public static string New(string prefix, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        ArgumentNullException.ThrowIfNull(timeProvider);
        return prefix + "_" + Guid.CreateVersion7(timeProvider.GetUtcNow()).ToString("N", CultureInfo.InvariantCulture);
    }
}
