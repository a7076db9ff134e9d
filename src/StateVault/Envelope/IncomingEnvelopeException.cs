namespace StateVault.Envelope;

/// <summary>An envelope from outside the engine was refused by <see cref="IncomingEnvelope.Check"/>; nothing was written.</summary>
public sealed class IncomingEnvelopeException : StateVaultException
{
    /// <summary>Creates the exception.</summary>
    public IncomingEnvelopeException(IncomingEnvelopeRejection rejection, string message, Exception? innerException = null)
        : base(message, innerException) => Rejection = rejection;

    /// <summary>Which rule the envelope broke.</summary>
    public IncomingEnvelopeRejection Rejection { get; }
}
