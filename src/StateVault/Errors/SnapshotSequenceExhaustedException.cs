using System.Globalization;

namespace StateVault;

/// <summary>
/// A system's latest snapshot already has <see cref="SnapshotSequence.MaxValue"/>: no further snapshot can be appended to it,
/// and nothing was written. Not transient; the system's history has to be moved to another name.
/// </summary>
public sealed class SnapshotSequenceExhaustedException : StateVaultException
{
    /// <summary>Creates the exception for <paramref name="system"/> whose latest sequence is <paramref name="latestSequence"/>.</summary>
    public SnapshotSequenceExhaustedException(string system, long latestSequence)
        : base(string.Create(CultureInfo.InvariantCulture, $"System '{system}' has reached the highest sequence number ({SnapshotSequence.MaxValue}); no further snapshot can be appended (its latest is {latestSequence}). Nothing was written."))
    {
        System = system;
        LatestSequence = latestSequence;
    }

    /// <summary>The system.</summary>
    public string System { get; }

    /// <summary>The system's latest sequence.</summary>
    public long LatestSequence { get; }
}
