namespace StateVault;

/// <summary>
/// A snapshot's schema version cannot be brought to the version the code knows: it is newer than
/// the code, or an upcaster in the chain is missing.
/// </summary>
public sealed class SnapshotSchemaException : StateVaultException
{
    /// <summary>Creates the exception.</summary>
    public SnapshotSchemaException(string system, long sequence, int storedVersion, int knownVersion, string message)
        : base($"Snapshot {sequence} of system '{system}' has schema version {storedVersion}; the code knows version {knownVersion}: {message}")
    {
        System = system;
        Sequence = sequence;
        StoredVersion = storedVersion;
        KnownVersion = knownVersion;
    }

    /// <summary>The system.</summary>
    public string System { get; }

    /// <summary>The snapshot's sequence number.</summary>
    public long Sequence { get; }

    /// <summary>The schema version written in the snapshot.</summary>
    public int StoredVersion { get; }

    /// <summary>The schema version of the state type in this process.</summary>
    public int KnownVersion { get; }
}
