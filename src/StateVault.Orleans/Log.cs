using Microsoft.Extensions.Logging;

namespace StateVault.Orleans;

/// <summary>Source-generated log messages of the grain storage provider. Never a state value or a connection string.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "StateVault grain storage {Provider} opened {Store} ({Kind} store)")]
    public static partial void Opened(ILogger logger, string provider, string store, string kind);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "StateVault grain storage {Provider}: {Operation} of {System} with ETag {ETag} conflicts with stored sequence {Actual}")]
    public static partial void Conflict(ILogger logger, string provider, string operation, string system, string etag, long actual);
}
