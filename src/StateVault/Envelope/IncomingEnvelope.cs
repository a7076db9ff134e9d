using System.Text.Json;
using StateVault.Codecs;
using StateVault.Secrets;
using StateVault.Serialization;

namespace StateVault.Envelope;

/// <summary>
/// The rules every save obeys, for an envelope made elsewhere (the server's raw upload, an <c>http://</c> store, a migration,
/// an import): it must verify, be stored as the system and sequence its header names, have a sequence in range, declare a
/// state no larger than the configured maximum, decode to exactly that many bytes of valid JSON, and hold no secret-looking
/// value in the state, the tags, the attributes or the other header strings.
/// </summary>
public static class IncomingEnvelope
{
    /// <summary>Checks <paramref name="envelope"/> before a store keeps it as <paramref name="system"/>#<paramref name="sequence"/>.</summary>
    /// <param name="envelope">The whole envelope.</param>
    /// <param name="system">The system it is to be stored under.</param>
    /// <param name="sequence">The sequence it is to be stored at.</param>
    /// <param name="maxStateBytes">The largest decoded state accepted; checked against the header before anything is decoded.</param>
    /// <param name="secretPolicy">
    /// The vault's policy. <see cref="SecretPolicy.Redact"/> rejects like <see cref="SecretPolicy.Reject"/>: an envelope is
    /// kept byte for byte, so a value in it cannot be replaced.
    /// </param>
    /// <returns>The verified header.</returns>
    /// <exception cref="IncomingEnvelopeException">A rule was broken; <see cref="IncomingEnvelopeException.Rejection"/> says which.</exception>
    /// <exception cref="SecretDetectedException">A secret-looking value; the findings name JSON paths (<c>header.tags[0]</c>, <c>$.a.b</c>), never values.</exception>
    public static SnapshotHeader Check(ReadOnlyMemory<byte> envelope, string system, long sequence, long maxStateBytes, SecretPolicy secretPolicy)
    {
        var (header, payload) = CheckHead(envelope, system, sequence, maxStateBytes);
        if (header.Codec == ChunkManifest.Codec)
        {
            throw new IncomingEnvelopeException(IncomingEnvelopeRejection.NotAState, "a chunked snapshot needs its chunks: check it with CheckAsync and a chunk reader");
        }

        CheckState(DecodePayload(header, payload), header, system, secretPolicy);
        return header;
    }

    private static (SnapshotHeader Header, ReadOnlyMemory<byte> Payload) CheckHead(ReadOnlyMemory<byte> envelope, string system, long sequence, long maxStateBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxStateBytes);
        if (!SnapshotSequence.IsValid(sequence))
        {
            // Before decoding: the envelope reader treats a header outside the range as damage, which would hide the reason.
            throw new IncomingEnvelopeException(
                IncomingEnvelopeRejection.SequenceOutOfRange,
                $"sequences run from {SnapshotSequence.MinValue} to {SnapshotSequence.MaxValue}");
        }

        SnapshotHeader header;
        ReadOnlyMemory<byte> payload;
        try
        {
            (header, payload) = SnapshotEnvelope.Decode(envelope);
        }
        catch (EnvelopeFormatException ex)
        {
            throw new IncomingEnvelopeException(IncomingEnvelopeRejection.Malformed, $"not a valid snapshot envelope: {ex.Message}", ex);
        }

        if (!SnapshotSequence.IsValid(sequence) || !SnapshotSequence.IsValid(header.Sequence))
        {
            throw new IncomingEnvelopeException(
                IncomingEnvelopeRejection.SequenceOutOfRange,
                $"sequences run from {SnapshotSequence.MinValue} to {SnapshotSequence.MaxValue}");
        }

        if (!string.Equals(header.System, system, StringComparison.Ordinal) || header.Sequence != sequence)
        {
            throw new IncomingEnvelopeException(
                IncomingEnvelopeRejection.Mismatch,
                $"the header names {(SystemName.IsValid(header.System) ? header.System : "another system")}#{header.Sequence}, not {system}#{sequence}");
        }

        if (header.RawLength > maxStateBytes)
        {
            // Before decoding: a decoder must never size anything from an untrusted length.
            throw new IncomingEnvelopeException(
                IncomingEnvelopeRejection.TooLarge,
                $"the header's raw_length ({header.RawLength} bytes) is over the maximum state size ({maxStateBytes} bytes)");
        }

        return (header, payload);
    }

    /// <summary>
    /// Like <see cref="Check"/>, and also accepts a chunked snapshot (<see cref="ChunkManifest.Codec"/>): every chunk its
    /// manifest names must be readable through <paramref name="readChunk"/> and pass <see cref="ChunkFrame.Decode"/>, and the
    /// assembled state must meet the same rules as any other.
    /// </summary>
    /// <param name="envelope">The whole envelope.</param>
    /// <param name="system">The system it is to be stored under.</param>
    /// <param name="sequence">The sequence it is to be stored at.</param>
    /// <param name="maxStateBytes">The largest decoded state accepted.</param>
    /// <param name="maxExpansionRatio">The most a compressed chunk may expand.</param>
    /// <param name="secretPolicy">As for <see cref="Check"/>.</param>
    /// <param name="readChunk">Reads one chunk's stored bytes from where the envelope is going (the target store), or <see langword="null"/> when it is missing.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>The verified header.</returns>
    /// <exception cref="IncomingEnvelopeException">A rule was broken, or a chunk is missing or damaged (<see cref="IncomingEnvelopeRejection.NotAState"/>).</exception>
    /// <exception cref="SecretDetectedException">A secret-looking value.</exception>
    public static async Task<SnapshotHeader> CheckAsync(
        ReadOnlyMemory<byte> envelope,
        string system,
        long sequence,
        long maxStateBytes,
        int maxExpansionRatio,
        SecretPolicy secretPolicy,
        Func<string, CancellationToken, Task<byte[]?>> readChunk,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readChunk);
        var (header, payload) = CheckHead(envelope, system, sequence, maxStateBytes);
        if (header.Codec != ChunkManifest.Codec)
        {
            CheckState(DecodePayload(header, payload), header, system, secretPolicy);
            return header;
        }

        ChunkManifest manifest;
        try
        {
            manifest = ChunkManifest.Parse(payload.Span, maxStateBytes);
        }
        catch (EnvelopeFormatException ex)
        {
            throw new IncomingEnvelopeException(IncomingEnvelopeRejection.NotAState, $"the chunk manifest is invalid: {ex.Message}", ex);
        }

        if (manifest.RawLength != header.RawLength)
        {
            throw new IncomingEnvelopeException(IncomingEnvelopeRejection.NotAState, $"the chunks add up to {manifest.RawLength} bytes, the header says {header.RawLength}");
        }

        var json = new byte[header.RawLength];
        var offset = 0;
        foreach (var entry in manifest.Chunks)
        {
            var stored = await readChunk(entry.Id, cancellationToken).ConfigureAwait(false)
                ?? throw new IncomingEnvelopeException(IncomingEnvelopeRejection.NotAState, $"chunk {entry.Id} is not on the target store: put the chunks before the envelope");
            try
            {
                var content = ChunkFrame.Decode(entry.Id, stored, entry.Length, maxExpansionRatio);
                if (content.Length != entry.Length)
                {
                    throw new EnvelopeFormatException("chunk length differs from the manifest");
                }

                content.Span.CopyTo(json.AsSpan(offset));
                offset += content.Length;
            }
            catch (EnvelopeFormatException ex)
            {
                throw new IncomingEnvelopeException(IncomingEnvelopeRejection.NotAState, $"chunk {entry.Id} is damaged: {ex.Message}", ex);
            }
        }

        CheckState(json, header, system, secretPolicy);
        return header;
    }

    private static ReadOnlyMemory<byte> DecodePayload(SnapshotHeader header, ReadOnlyMemory<byte> payload)
    {
        if (!SnapshotCodecs.IsKnown(header.Codec))
        {
            throw new IncomingEnvelopeException(IncomingEnvelopeRejection.NotAState, $"unknown codec; known: {string.Join(", ", SnapshotCodecs.All)}");
        }

        try
        {
            return SnapshotCodecs.Decode(header.Codec, payload, header.RawLength);
        }
        catch (InvalidDataException ex)
        {
            throw new IncomingEnvelopeException(IncomingEnvelopeRejection.NotAState, $"the payload does not decode to its declared length ({ex.Message})", ex);
        }
    }

    private static void CheckState(ReadOnlyMemory<byte> json, SnapshotHeader header, string system, SecretPolicy secretPolicy)
    {
        try
        {
            JsonValidation.Validate(json.Span);
        }
        catch (JsonException ex)
        {
            throw new IncomingEnvelopeException(IncomingEnvelopeRejection.NotAState, $"the payload is not one valid JSON document ({ex.Message})", ex);
        }

        if (secretPolicy != SecretPolicy.Off)
        {
            var findings = new List<SecretFinding>(SecretScanner.Scan(json.Span));
            AddHeaderFindings(header, findings);
            if (findings.Count > 0)
            {
                throw new SecretDetectedException(system, findings);
            }
        }
    }

    private static void AddHeaderFindings(SnapshotHeader header, List<SecretFinding> findings) =>
        AddHeaderFindings(header.StateType, header.Producer, header.Tags, header.Attributes, findings);

    /// <summary>
    /// Adds a finding for every secret-looking header string: the state type, the producer, each tag, each attribute name
    /// and value. The vault checks what it is about to write with this, as it checks an envelope made elsewhere.
    /// </summary>
    internal static void AddHeaderFindings(string? stateType, string? producer, IReadOnlyList<string> tags, IReadOnlyDictionary<string, string>? attributes, List<SecretFinding> findings)
    {
        // A finding's path is built only when there is a finding: this runs on every save.
        const string Root = "header";
        if (Classify(stateType) is { } stateTypeKind)
        {
            findings.Add(new SecretFinding(JsonPath.Property(Root, "state_type"), stateTypeKind));
        }

        if (Classify(producer) is { } producerKind)
        {
            findings.Add(new SecretFinding(JsonPath.Property(Root, "producer"), producerKind));
        }

        for (var i = 0; i < tags.Count; i++)
        {
            if (Classify(tags[i]) is { } tagKind)
            {
                findings.Add(new SecretFinding(JsonPath.Index(Root + ".tags", i), tagKind));
            }
        }

        if (attributes is null)
        {
            return;
        }

        foreach (var (name, value) in attributes)
        {
            if (SecretScanner.Classify(name) is { } kind)
            {
                findings.Add(new SecretFinding(Root + ".attributes{key}", kind));
                continue; // the name is the secret; a path with the name in it would show it
            }

            if (Classify(value) is { } valueKind)
            {
                findings.Add(new SecretFinding(JsonPath.Property(Root + ".attributes", name), valueKind));
            }
        }
    }

    private static string? Classify(string? value) => value is null ? null : SecretScanner.Classify(value);
}
