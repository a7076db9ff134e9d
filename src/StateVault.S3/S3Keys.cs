using System.Globalization;
using StateVault.Storage;

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

    /// <summary>
    /// The listing prefix of a system's chunks: <c>&lt;system&gt;/.chunks/</c>. A system name starts with a letter or digit,
    /// so this never meets a snapshot key (<c>&lt;system&gt;/&lt;system&gt;-…</c>) or another system's folder.
    /// </summary>
    public string ChunkPrefix(string system) => $"{Root}{system}/.chunks/";

    /// <summary>The key of one chunk; the id is validated here, so no caller input reaches a key unchecked.</summary>
    public string Chunk(string system, string chunkId) => ChunkPrefix(system) + ChunkId.Validate(chunkId, nameof(chunkId));

    public bool TryParseChunk(string system, string key, out string chunkId)
    {
        var prefixText = ChunkPrefix(system);
        chunkId = key.Length == prefixText.Length + ChunkId.Length && key.StartsWith(prefixText, StringComparison.Ordinal)
            ? key[prefixText.Length..]
            : string.Empty;
        return ChunkId.IsValid(chunkId);
    }

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
