using Microsoft.Extensions.Logging;

namespace StateVault.S3;

/// <summary>Source-generated log messages of the S3 store. Never a credential or a state value.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "S3 bucket {Bucket} enforces conditional writes: {Enforced}; writers: {Mode}")]
    public static partial void ProbeResult(ILogger logger, string bucket, bool enforced, string mode);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Snapshot {Sequence} of {System} was overwritten by another writer right after this one wrote it; moving to the next sequence")]
    public static partial void OverwriteDetected(ILogger logger, string system, long sequence);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "Sequence {Sequence} of {System} was taken by another writer; retrying")]
    public static partial void SequenceTaken(ILogger logger, string system, long sequence);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Quarantined snapshot {Sequence} of {System} to {Key}")]
    public static partial void Quarantined(ILogger logger, string system, long sequence, string key);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "S3 {Operation} failed (transient: {Transient}): {Reason}")]
    public static partial void RequestFailed(ILogger logger, string operation, bool transient, string reason);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "S3 bucket {Bucket} does not support conditional deletes (If-Match on DELETE); a chunk is deleted after a plain check of its stored time")]
    public static partial void ConditionalDeleteUnsupported(ILogger logger, string bucket);
}
