namespace StateVault.S3;

/// <summary>
/// How the S3 store keeps two writers from taking the same sequence number.
/// </summary>
/// <remarks>
/// A snapshot's object is created with <c>If-None-Match: *</c> and the high-water marker is updated with
/// <c>If-Match: &lt;etag&gt;</c>. AWS S3 enforces both (since 2024), as do MinIO and other current servers; some
/// S3-compatible servers (s3rver, older gateways) accept the headers and ignore them, and then only one process
/// may write to a prefix safely.
/// </remarks>
public enum S3ConditionalWrites
{
    /// <summary>
    /// Probe the server once (a throwaway object under <c>&lt;prefix&gt;/.statevault/</c>): when it enforces both
    /// conditions, behave as <see cref="Required"/>; otherwise as <see cref="Disabled"/>.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// Always write conditionally. Several processes and hosts may append to the same system. The first operation
    /// fails (not transiently) when the probe shows the server ignores the conditions, rather than silently risk
    /// two writers winning one sequence.
    /// </summary>
    Required = 1,

    /// <summary>
    /// Single-writer mode: appends are serialized by a lock shared by every store instance in this process and
    /// checked after the write (an overwrite that lands between the write and the check is detected and the append
    /// moves to the next sequence). Two processes writing the same system at once can still lose a snapshot.
    /// </summary>
    Disabled = 2,
}
