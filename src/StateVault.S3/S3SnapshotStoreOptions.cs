using Amazon.Runtime;

namespace StateVault.S3;

/// <summary>Options of the S3-compatible snapshot store (<c>s3://bucket/prefix?endpoint=…&amp;region=…</c>).</summary>
/// <remarks>
/// <para>Layout: <c>&lt;prefix&gt;/&lt;system&gt;/&lt;system&gt;-&lt;sequence, 19 digits&gt;.svsnap</c> holds one snapshot (the envelope bytes as
/// the object body), so keys list in sequence order; <c>&lt;prefix&gt;/&lt;system&gt;/.highwater</c> records the highest sequence
/// ever allocated once the newest snapshot was deleted or quarantined, so numbers are never reused; damaged snapshots are
/// copied to <c>&lt;prefix&gt;/&lt;system&gt;/.quarantine/</c> (with a <c>.reason</c> object) and then deleted.</para>
/// <para>What is guaranteed where:</para>
/// <list type="table">
/// <listheader><term>server</term><description>guarantee</description></listheader>
/// <item><term>enforces <c>If-None-Match</c>/<c>If-Match</c> on PUT (AWS S3 since 2024, MinIO, …)</term>
/// <description>any number of processes and hosts may append to one system: exactly one writer creates each sequence's
/// object, a loser retries at the next number (or gets <see cref="SnapshotConcurrencyException"/> for a compare-and-set
/// save); <see cref="StateVault.Storage.SnapshotStoreCapabilities.SupportsMultipleProcesses"/> is true.</description></item>
/// <item><term>ignores them (s3rver, some gateways)</term>
/// <description>one process may write a prefix: appends are serialized by a lock shared by all store instances of that
/// process, and each write is checked afterwards so an overwrite that lands before the check is detected and moved past;
/// an overwrite after the check is not, so two writing processes can lose a snapshot.
/// <see cref="StateVault.Storage.SnapshotStoreCapabilities.SupportsMultipleProcesses"/> is false.</description></item>
/// </list>
/// <para>With <see cref="S3ConditionalWrites.Auto"/> the store probes the server on its first write and picks the row;
/// until then it reports the weaker capability. Atomicity and durability of each object are the server's (a completed
/// PUT is visible whole on S3; s3rver writes in place, so a reader racing a writer can see a partial object there, which
/// the envelope checksum rejects). Failures: 5xx, throttling, timeouts and refused connections are transient
/// <see cref="SnapshotStoreException"/>s; access errors and a missing bucket are not. Messages never contain credentials.</para>
/// </remarks>
public sealed class S3SnapshotStoreOptions
{
    /// <summary>The bucket; it must exist.</summary>
    public string BucketName { get; set; } = string.Empty;

    /// <summary>The key prefix under which systems are stored, without leading or trailing <c>/</c>.</summary>
    /// <value>Empty: systems sit at the top of the bucket.</value>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>
    /// The endpoint of an S3-compatible server (e.g. <c>http://127.0.0.1:4569</c>); <see langword="null"/> for AWS S3 in
    /// <see cref="Region"/>. Must not carry user information: credentials never go in a URL.
    /// </summary>
    /// <value><see langword="null"/>.</value>
    public Uri? ServiceUrl { get; set; }

    /// <summary>The region (AWS S3) or the signing region (other servers).</summary>
    /// <value><c>us-east-1</c>.</value>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Whether to address the bucket in the path (<c>http://host/bucket/key</c>) instead of the host name.</summary>
    /// <value><see langword="null"/>: path style when <see cref="ServiceUrl"/> is set (what most S3-compatible servers need), virtual-host style for AWS.</value>
    public bool? ForcePathStyle { get; set; }

    /// <summary>How concurrent writers are kept apart; see <see cref="S3ConditionalWrites"/>.</summary>
    /// <value><see cref="S3ConditionalWrites.Auto"/>.</value>
    public S3ConditionalWrites ConditionalWrites { get; set; } = S3ConditionalWrites.Auto;

    /// <summary>
    /// Explicit credentials. Leave <see langword="null"/> to use the standard AWS chain (environment
    /// <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>, profile, container or instance role).
    /// </summary>
    /// <value><see langword="null"/>.</value>
    public AWSCredentials? Credentials { get; set; }

    /// <summary>The time one HTTP request may take before it fails as a transient error.</summary>
    /// <value>60 seconds.</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often the AWS SDK itself retries a failed request. The vault retries transient store failures on top, so
    /// keep this small.
    /// </summary>
    /// <value>2.</value>
    public int MaxErrorRetry { get; set; } = 2;

    /// <summary>Whether path-style addressing is in force after defaults are applied.</summary>
    internal bool EffectiveForcePathStyle => ForcePathStyle ?? ServiceUrl is not null;

    /// <summary>The prefix without surrounding slashes.</summary>
    internal string NormalizedPrefix => (Prefix ?? string.Empty).Trim('/');
}
