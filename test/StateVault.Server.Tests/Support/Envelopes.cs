using System.Text;
using StateVault.Codecs;
using StateVault.Envelope;

namespace StateVault.Server.Tests.Support;

/// <summary>Builds envelopes as a client (or an attacker) could send them: any codec, tags, attributes and header values.</summary>
public static class Envelopes
{
    /// <summary>An OpenAI-format project key (matches the engine's scanner); never a real key.</summary>
    public const string OpenAiKey = "sk-proj-Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWx";

    /// <summary>An AWS access key id format (the documentation's example).</summary>
    public const string AwsKey = "AKIAIOSFODNN7EXAMPLE";

    /// <summary>A GitHub personal access token format.</summary>
    public const string GitHubToken = "ghp_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWx12";

    /// <summary>
    /// A valid envelope whose checksums hold; with <paramref name="rawLength"/> the header may lie about the decoded length.
    /// An unknown <paramref name="codec"/> stores the JSON as is under that name.
    /// </summary>
    public static byte[] Create(
        string system,
        long sequence,
        string json,
        string codec = SnapshotCodecs.Identity,
        IReadOnlyList<string>? tags = null,
        IReadOnlyDictionary<string, string>? attributes = null,
        long? rawLength = null,
        string producer = "test",
        string stateType = "test") =>
        Create(system, sequence, Encoding.UTF8.GetBytes(json), codec, tags, attributes, rawLength, producer, stateType);

    /// <summary>Like the string overload, over raw payload bytes (which need not be UTF-8 or JSON).</summary>
    public static byte[] Create(
        string system,
        long sequence,
        byte[] raw,
        string codec = SnapshotCodecs.Identity,
        IReadOnlyList<string>? tags = null,
        IReadOnlyDictionary<string, string>? attributes = null,
        long? rawLength = null,
        string producer = "test",
        string stateType = "test")
    {
        var payload = SnapshotCodecs.IsKnown(codec) ? SnapshotCodecs.Encode(codec, raw).ToArray() : raw;
        var header = new SnapshotHeader
        {
            System = system,
            Sequence = sequence,
            CreatedUtc = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            SchemaVersion = 1,
            StateType = stateType,
            Codec = codec,
            StoredLength = payload.Length,
            RawLength = rawLength ?? raw.Length,
            Sha256 = SnapshotEnvelope.Sha256Hex(payload),
            Producer = producer,
            Tags = tags ?? [],
            Attributes = attributes ?? new Dictionary<string, string>(),
        };
        return SnapshotEnvelope.Create(header, payload).ToArray();
    }
}
