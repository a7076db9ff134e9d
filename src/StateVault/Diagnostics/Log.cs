using Microsoft.Extensions.Logging;

namespace StateVault.Diagnostics;

/// <summary>Source-generated log messages. Never a state value, key or connection string.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Saved snapshot {Sequence} of {System} ({StoredBytes} bytes, codec {Codec}) in {ElapsedMs:F2} ms")]
    public static partial void Saved(ILogger logger, string system, long sequence, long storedBytes, string codec, double elapsedMs);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Save of {System} failed: {Reason}")]
    public static partial void SaveFailed(ILogger logger, string system, string reason, Exception exception);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Save of {System} rejected: secret-looking value at {Paths}")]
    public static partial void SecretRejected(ILogger logger, string system, string paths);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Redacted {Count} secret-looking value(s) in {System} at {Paths}")]
    public static partial void SecretRedacted(ILogger logger, string system, int count, string paths);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "Snapshot {Sequence} of {System} is corrupt ({Reason}); quarantined: {Quarantined}")]
    public static partial void CorruptSnapshot(ILogger logger, string system, long sequence, string reason, bool quarantined);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error, Message = "Quarantine of snapshot {Sequence} of {System} failed; it stays in place, is skipped by loads and never counts for retention")]
    public static partial void QuarantineFailed(ILogger logger, string system, long sequence, Exception exception);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "Loaded {System} from snapshot {Sequence} after skipping newer snapshot(s) {Skipped}")]
    public static partial void FellBack(ILogger logger, string system, long sequence, string skipped);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Error, Message = "Snapshot {Sequence} of {System} verified but could not be deserialized as {StateType}; skipped")]
    public static partial void Undeserializable(ILogger logger, string system, long sequence, string stateType, Exception exception);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Pruned snapshot {Sequence} of {System}: {Reason}")]
    public static partial void Pruned(ILogger logger, string system, long sequence, string reason);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Error, Message = "Retention after saving {System} failed; the save itself succeeded")]
    public static partial void RetentionFailed(ILogger logger, string system, Exception exception);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Warning, Message = "Transient store failure on {Operation} of {System}, attempt {Attempt}; retrying")]
    public static partial void Retrying(ILogger logger, string operation, string system, int attempt, Exception? exception);

    [LoggerMessage(EventId = 1035, Level = LogLevel.Warning, Message = "The reply to appending snapshot {Sequence} of {System} was lost, but the snapshot is stored (its writer token matches); acknowledged without appending again")]
    public static partial void LostReplyFound(ILogger logger, string system, long sequence);

    [LoggerMessage(EventId = 1040, Level = LogLevel.Debug, Message = "Snapshot of {System} chunked: {NewChunks} new chunks ({NewBytes} bytes written), {ReusedChunks} reused")]
    public static partial void Chunked(ILogger logger, string system, int newChunks, long newBytes, int reusedChunks);

    [LoggerMessage(EventId = 1041, Level = LogLevel.Information, Message = "Collected {Deleted} unreferenced chunks of {System} ({Bytes} bytes)")]
    public static partial void ChunksCollected(ILogger logger, string system, int deleted, long bytes);

    [LoggerMessage(EventId = 1042, Level = LogLevel.Warning, Message = "Chunks of {System} not collected: {Reason}")]
    public static partial void ChunkCollectionSkipped(ILogger logger, string system, string reason);

    [LoggerMessage(EventId = 1043, Level = LogLevel.Warning, Message = "Collecting the chunks of {System} failed")]
    public static partial void ChunkCollectionFailed(ILogger logger, string system, Exception exception);

    [LoggerMessage(EventId = 1044, Level = LogLevel.Warning, Message = "The {Kind} store keeps no chunks behind it; {System} and later saves are stored whole")]
    public static partial void ChunksUnsupported(ILogger logger, string system, string kind, Exception exception);
}
