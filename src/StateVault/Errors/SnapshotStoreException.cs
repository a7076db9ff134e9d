namespace StateVault;

/// <summary>A store could not carry out an operation (I/O error, lost connection, refused request).</summary>
public sealed class SnapshotStoreException : StateVaultException
{
    private readonly bool _isTransient;

    /// <summary>Creates a store exception.</summary>
    /// <param name="message">What failed, without connection strings, keys or state values.</param>
    /// <param name="isTransient">Whether a retry may succeed.</param>
    /// <param name="innerException">The provider's exception.</param>
    public SnapshotStoreException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        _isTransient = isTransient;
    }

    /// <inheritdoc />
    public override bool IsTransient => _isTransient;
}
