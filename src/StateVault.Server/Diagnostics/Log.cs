using System.Net;
using Microsoft.Extensions.Logging;

namespace StateVault.Server.Diagnostics;

/// <summary>Source-generated log messages of the server. Never a key, a connection string or a state value.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "StateVault dashboard: {Dashboard} (listening on {Addresses}; store {Store})")]
    public static partial void Listening(ILogger logger, string dashboard, string addresses, string store);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Created the first admin key {KeyId} (the key itself is printed once on the terminal, never logged)")]
    public static partial void FirstKeyCreated(ILogger logger, string keyId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Created the first admin key {KeyId}; the key is in {KeyFile} (readable by the owner only), never in the log")]
    public static partial void FirstKeyWritten(ILogger logger, string keyId, string keyFile);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "No access key exists and none was created: output is not a terminal and the {Scheme} store has no folder for the key file. Create one with 'statevault keys create --role admin --store <URI>', or set StateVault:Server:FirstAdminKeyFile")]
    public static partial void FirstKeyNotCreated(ILogger logger, string scheme);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Could not write the first admin key {KeyId} to {KeyFile} ({ExceptionType}: {Reason}); it is revoked unless the terminal shows it")]
    public static partial void FirstKeyFileFailed(ILogger logger, string keyId, string keyFile, string exceptionType, string reason);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Failed authentication from {Client}: {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, IPAddress? client, string reason);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Client {Client} is refused for {RetryAfterSeconds} s after too many failed authentications")]
    public static partial void AuthenticationThrottled(ILogger logger, IPAddress? client, int retryAfterSeconds);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "Restored {System} snapshot {Sequence} as {NewSequence}")]
    public static partial void Restored(ILogger logger, string system, long sequence, long newSequence);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Information, Message = "Manager {Manager} adopted the restored snapshot {Sequence} of {System}")]
    public static partial void Adopted(ILogger logger, string manager, string system, long sequence);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Error, Message = "Manager {Manager} failed to adopt the restored snapshot {Sequence} of {System}")]
    public static partial void AdoptFailed(ILogger logger, string manager, string system, long sequence, Exception exception);

    [LoggerMessage(EventId = 4023, Level = LogLevel.Information, Message = "Deleted {System} snapshot {Sequence}")]
    public static partial void Deleted(ILogger logger, string system, long sequence);

    [LoggerMessage(EventId = 4030, Level = LogLevel.Information, Message = "Created access key {KeyId} with role {Role}")]
    public static partial void KeyCreated(ILogger logger, string keyId, string role);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Information, Message = "Revoked access key {KeyId}")]
    public static partial void KeyRevoked(ILogger logger, string keyId);

    [LoggerMessage(EventId = 4050, Level = LogLevel.Debug, Message = "{Method} {Target} {StatusCode} {ElapsedMilliseconds:0.0} ms")]
    public static partial void Request(ILogger logger, string method, string target, int statusCode, double elapsedMilliseconds);

    [LoggerMessage(EventId = 4040, Level = LogLevel.Error, Message = "Request failed with {ExceptionType}")]
    public static partial void Unhandled(ILogger logger, string exceptionType, Exception exception);
}
