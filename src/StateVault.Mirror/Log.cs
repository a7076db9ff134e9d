using Microsoft.Extensions.Logging;

namespace StateVault.Mirror;

/// <summary>Source-generated log messages of the mirror. Never a state value or a store URI with credentials.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "Replicated snapshot {Sequence} of {System} to the secondary ({Bytes} bytes, verified)")]
    public static partial void Replicated(ILogger logger, string system, long sequence, long bytes);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Replicating {System} (snapshot {Sequence}) failed, transient: {Transient}; catch-up will retry: {Reason}")]
    public static partial void ReplicationFailed(ILogger logger, string system, long? sequence, bool transient, string reason);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Mirror catch-up: {Copied} copied, {Present} already present, {Skipped} skipped by retention, {Pruned} pruned, {Repaired} repaired, {Failed} failed")]
    public static partial void CatchUpCompleted(ILogger logger, int copied, int present, int skipped, int pruned, int repaired, int failed);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "The secondary's copy of snapshot {Sequence} of {System} is damaged ({Reason}); replacing it with the primary's")]
    public static partial void RepairingCopy(ILogger logger, string system, long sequence, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Pruned snapshot {Sequence} of {System} on the secondary: {Reason}")]
    public static partial void PrunedSecondary(ILogger logger, string system, long sequence, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "The replication loop stopped unexpectedly; copies continue at the next catch-up")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Deleted {Count} chunks of {System} from the secondary that none of its snapshots names")]
    public static partial void SecondaryChunksCollected(ILogger logger, string system, int count);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Not collecting the secondary's chunks of {System}: its snapshot {Sequence} cannot be read ({Reason})")]
    public static partial void SecondaryChunkCollectionSkipped(ILogger logger, string system, long sequence, string reason);
}
