using System.Globalization;

namespace StateVault.S3;

/// <summary>The object key layout under a prefix.</summary>
internal sealed class S3Keys(string prefix)
{
    public const string Extension = ".svsnap";
    private const int Digits = 19;

    /// <summary><c>prefix/</c>, or empty when there is no prefix.</summary>
    public string Root { get; } = prefix.Length == 0 ? string.Empty : prefix + "/";

    public string SystemFolder(string system) => $"{Root}{system}/";

    /// <summary>The listing prefix of a system's snapshots: excludes <c>.quarantine/</c> and <c>.highwater</c>.</summary>
    public string SnapshotPrefix(string system) => $"{Root}{system}/{system}-";

    public string Snapshot(string system, long sequence) => SnapshotPrefix(system) + FormatSequence(sequence) + Extension;

    public string HighWater(string system) => $"{Root}{system}/.highwater";

    public string Quarantine(string system, long sequence) => $"{Root}{system}/.quarantine/{system}-{FormatSequence(sequence)}{Extension}";

    public string Probe() => $"{Root}.statevault/probe-{Guid.NewGuid():N}";

    public bool TryParseSnapshot(string system, string key, out long sequence)
    {
        sequence = 0;
        var prefixText = SnapshotPrefix(system);
        return key.Length == prefixText.Length + Digits + Extension.Length
            && key.StartsWith(prefixText, StringComparison.Ordinal)
            && key.EndsWith(Extension, StringComparison.Ordinal)
            && long.TryParse(key.AsSpan(prefixText.Length, Digits), NumberStyles.None, CultureInfo.InvariantCulture, out sequence)
            && sequence > 0;
    }

    private static string FormatSequence(long sequence) => sequence.ToString("D19", CultureInfo.InvariantCulture);
}
