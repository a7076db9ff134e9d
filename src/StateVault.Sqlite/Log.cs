using Microsoft.Extensions.Logging;

namespace StateVault.Sqlite;

/// <summary>Source-generated log messages of the SQLite store. Never a state value.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "SQLite store schema of {Database} upgraded from version {From} to {To}")]
    public static partial void SchemaUpgraded(ILogger logger, string database, int from, int to);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Quarantined snapshot {Sequence} of {System} in the SQLite store: {Reason}")]
    public static partial void Quarantined(ILogger logger, string system, long sequence, string reason);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "SQLite {Operation} of {System} failed (transient: {Transient}, SQLite error {ErrorCode})")]
    public static partial void OperationFailed(ILogger logger, string operation, string system, bool transient, int errorCode, Exception exception);
}
