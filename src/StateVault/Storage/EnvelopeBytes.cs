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

    /// <summary>Wraps a complete envelope held in one buffer.</summary>
    public static EnvelopeBytes FromArray(byte[] bytes) => new(ReadOnlyMemory<byte>.Empty, bytes);

    /// <summary>The first segment (magic line and header line).</summary>
    public ReadOnlyMemory<byte> Head { get; }

    /// <summary>The second segment (the payload).</summary>
    public ReadOnlyMemory<byte> Payload { get; }

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
