namespace StateVault;

/// <summary>
/// Root of every failure StateVault reports about storage, integrity, concurrency or secrets.
/// Caller mistakes (a bad argument, an invalid system name) are reported with the standard
/// <see cref="ArgumentException"/> family instead.
/// </summary>
public class StateVaultException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public StateVaultException(string message) : base(message) { }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public StateVaultException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>
    /// Whether repeating the same operation later may succeed (a lost connection, a busy lock, a timeout).
    /// </summary>
    /// <value><see langword="false"/> unless the concrete exception says otherwise.</value>
    public virtual bool IsTransient => false;
}
