namespace StateVault.Envelope;

/// <summary>Why <see cref="IncomingEnvelope.Check"/> refused an envelope (secrets are reported by <see cref="SecretDetectedException"/>).</summary>
public enum IncomingEnvelopeRejection
{
    /// <summary>The bytes are not a verified envelope (magic, checksums, lengths, header fields).</summary>
    Malformed = 0,

    /// <summary>The header names another system or sequence than the one it is stored as.</summary>
    Mismatch = 1,

    /// <summary>The sequence is outside <see cref="SnapshotSequence.MinValue"/>..<see cref="SnapshotSequence.MaxValue"/>.</summary>
    SequenceOutOfRange = 2,

    /// <summary>The header declares a decoded state larger than the configured maximum state size.</summary>
    TooLarge = 3,

    /// <summary>The payload does not decode to one valid JSON document of the declared length (unknown codec, bad data, invalid UTF-8 or escapes).</summary>
    NotAState = 4,
}
