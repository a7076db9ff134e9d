namespace StateVault.Envelope;

/// <summary>An envelope failed a format or checksum check. The engine turns it into <see cref="SnapshotCorruptedException"/>.</summary>
public sealed class EnvelopeFormatException : StateVaultException
{
    /// <summary>Creates the exception with the check that failed.</summary>
    public EnvelopeFormatException(string message, Exception? innerException = null) : base(message, innerException) { }
}
