namespace StateVault;

/// <summary>
/// A conditional save expected a latest sequence number that was not the latest one:
/// another writer saved first. Nothing was written.
/// </summary>
public sealed class SnapshotConcurrencyException : StateVaultException
{
    /// <summary>Creates a concurrency exception.</summary>
    public SnapshotConcurrencyException(string system, long expectedSequence, long actualSequence)
        : base($"Concurrency conflict on system '{system}': expected latest sequence {expectedSequence}, but the latest is {actualSequence}. Nothing was written.")
    {
        System = system;
        ExpectedSequence = expectedSequence;
        ActualSequence = actualSequence;
    }

    /// <summary>The system the save was for.</summary>
    public string System { get; }

    /// <summary>The latest sequence the caller expected (0 = no snapshot yet).</summary>
    public long ExpectedSequence { get; }

    /// <summary>The latest sequence the store actually had.</summary>
    public long ActualSequence { get; }
}
