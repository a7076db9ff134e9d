using System.Text;
using StateVault.Codecs;
using StateVault.Envelope;
using StateVault.Storage;

namespace StateVault.TestKit;

/// <summary>Builds valid envelopes for store tests.</summary>
public static class TestEnvelopes
{
    /// <summary>An identity-codec envelope holding <paramref name="json"/>.</summary>
    public static EnvelopeBytes Create(string system, long sequence, string json, DateTimeOffset? created = null) =>
        Create(system, sequence, Encoding.UTF8.GetBytes(json), created);

    /// <summary>An identity-codec envelope holding <paramref name="payload"/>.</summary>
    public static EnvelopeBytes Create(string system, long sequence, byte[] payload, DateTimeOffset? created = null)
    {
        var header = new SnapshotHeader
        {
            System = system,
            Sequence = sequence,
            CreatedUtc = created ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(sequence % 1_000_000),
            SchemaVersion = 1,
            StateType = "test",
            Codec = SnapshotCodecs.Identity,
            StoredLength = payload.Length,
            RawLength = payload.Length,
            Sha256 = SnapshotEnvelope.Sha256Hex(payload),
            Producer = "test",
        };
        return SnapshotEnvelope.Create(header, payload);
    }
}
