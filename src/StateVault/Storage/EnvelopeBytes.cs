using StateVault.Envelope;

namespace StateVault.Storage;

/// <summary>
/// The bytes of one snapshot envelope as two segments (the magic and header lines, then the payload),
/// so a store can write a large payload without first copying it into one buffer.
/// </summary>
public readonly struct EnvelopeBytes
{
    /// <summary>Creates envelope bytes from a head and a payload segment.</summary>
    public EnvelopeBytes(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> payload)
    {
        Head = head;
        Payload = payload;
    }

    /// <summary>Envelope bytes built in this process from <paramref name="header"/> (see <see cref="Header"/>).</summary>
    internal EnvelopeBytes(ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> payload, SnapshotHeader header)
        : this(head, payload)
    {
        Header = header;
    }

    /// <summary>Wraps a complete envelope held in one buffer.</summary>
    public static EnvelopeBytes FromArray(byte[] bytes) => new(ReadOnlyMemory<byte>.Empty, bytes);

    /// <summary>The first segment (magic line and header line).</summary>
    public ReadOnlyMemory<byte> Head { get; }

    /// <summary>The second segment (the payload).</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>
    /// The header <see cref="Head"/> holds, when <see cref="SnapshotEnvelope.Create"/> built these bytes from it (so a store
    /// that keeps header columns need not parse the head again); <see langword="null"/> for bytes from anywhere else.
    /// </summary>
    public SnapshotHeader? Header { get; }

    /// <summary>The total length in bytes.</summary>
    public long Length => (long)Head.Length + Payload.Length;

    /// <summary>Copies both segments into one new array.</summary>
    public byte[] ToArray()
    {
        var result = new byte[Head.Length + Payload.Length];
        Head.Span.CopyTo(result);
        Payload.Span.CopyTo(result.AsSpan(Head.Length));
        return result;
    }

    /// <summary>Writes both segments to a stream.</summary>
    public async Task WriteToAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await stream.WriteAsync(Head, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(Payload, cancellationToken).ConfigureAwait(false);
    }
}
