using Microsoft.Extensions.Logging;

namespace StateVault.PostgreSql;

/// <summary>Source-generated log messages of the PostgreSQL store. Never a password, a connection string or a state value.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "PostgreSQL store schema {Schema} on {Endpoint} upgraded from version {From} to {To}")]
    public static partial void SchemaUpgraded(ILogger logger, string schema, string endpoint, int from, int to);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Quarantined snapshot {Sequence} of {System} in the PostgreSQL store: {Reason}")]
    public static partial void Quarantined(ILogger logger, string system, long sequence, string reason);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "PostgreSQL {Operation} of {System} on {Endpoint} failed (transient: {Transient}, SQLSTATE {SqlState})")]
    public static partial void OperationFailed(ILogger logger, string operation, string system, string endpoint, bool transient, string sqlState, Exception exception);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "Sequence {Sequence} of {System} was already taken past the high-water mark; re-reading (attempt {Attempt})")]
    public static partial void SequenceTaken(ILogger logger, string system, long sequence, int attempt);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Warning, Message = "Deleting what retention removes in the append of {System} failed (SQLSTATE {SqlState}); appending again without it")]
    public static partial void PruneInAppendFailed(ILogger logger, string system, string sqlState);
}
