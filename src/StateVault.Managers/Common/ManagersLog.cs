using Microsoft.Extensions.Logging;

namespace StateVault.Managers;

/// <summary>Source-generated log messages of the managers. Never a key, a secret or a state value.</summary>
internal static partial class ManagersLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "Manager {Name}: {Previous} -> {Current}")]
    public static partial void StatusChanged(ILogger logger, string name, string previous, string current);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Manager {Name} failed to start")]
    public static partial void StartFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Heartbeat of {Name} failed")]
    public static partial void HeartbeatFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Configuration value {Key} looks like a secret ({Kind}) and is not kept by core management")]
    public static partial void ConfigValueRefused(ILogger logger, string key, string kind);

    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "Redacted a secret-looking value ({Kind}) from a swarm message {MessageId}")]
    public static partial void MessageRedacted(ILogger logger, string messageId, string kind);

    [LoggerMessage(EventId = 3200, Level = LogLevel.Warning, Message = "Dependency {Dependency} is unavailable after {Attempts} attempt(s): {Reason}")]
    public static partial void DependencyUnavailable(ILogger logger, string dependency, int attempts, string reason);

    [LoggerMessage(EventId = 3300, Level = LogLevel.Information, Message = "Workflow {Workflow} execution {Execution} finished: {Status}")]
    public static partial void WorkflowFinished(ILogger logger, string workflow, string execution, string status);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Step {Step} of workflow {Workflow} failed on attempt {Attempt}: {Reason}")]
    public static partial void StepAttemptFailed(ILogger logger, string workflow, string step, int attempt, string reason);

    [LoggerMessage(EventId = 3400, Level = LogLevel.Information, Message = "Provider key {KeyId} for {Provider} loaded from {Source}")]
    public static partial void ProviderKeyLoaded(ILogger logger, string keyId, string provider, string source);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Warning, Message = "Provider key {KeyId} for {Provider} is due for rotation ({AgeDays} days old)")]
    public static partial void RotationDue(ILogger logger, string keyId, string provider, int ageDays);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Generated a fingerprint secret in {Path} (kept outside the store)")]
    public static partial void FingerprintSecretGenerated(ILogger logger, string path);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Information, Message = "Access key {KeyId} created with role {Role}")]
    public static partial void AccessKeyCreated(ILogger logger, string keyId, string role);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Information, Message = "Access key {KeyId} revoked")]
    public static partial void AccessKeyRevoked(ILogger logger, string keyId);

    [LoggerMessage(EventId = 3500, Level = LogLevel.Information, Message = "Legacy import: {File} -> {System} snapshot {Sequence}")]
    public static partial void LegacyImported(ILogger logger, string file, string system, long sequence);

    [LoggerMessage(EventId = 3501, Level = LogLevel.Warning, Message = "Legacy import skipped {File}: {Reason}")]
    public static partial void LegacySkipped(ILogger logger, string file, string reason);
}
