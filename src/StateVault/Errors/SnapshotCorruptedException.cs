namespace StateVault;

/// <summary>
/// A snapshot failed verification (format, header checksum, payload checksum, length or codec).
/// Its bytes were never deserialized.
/// </summary>
public sealed class SnapshotCorruptedException : StateVaultException
{
    /// <summary>Creates a corruption exception naming the snapshot.</summary>
    public SnapshotCorruptedException(string system, long sequence, string reason, Exception? innerException = null)
        : base($"Snapshot {sequence} of system '{system}' is corrupt: {reason}", innerException)
    {
        System = system;
        Sequence = sequence;
        Reason = reason;
    }

    /// <summary>The system of the damaged snapshot.</summary>
    public string System { get; }

    /// <summary>The sequence number of the damaged snapshot.</summary>
    public long Sequence { get; }

    /// <summary>What check failed.</summary>
    public string Reason { get; }
}
