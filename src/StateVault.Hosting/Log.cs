using Microsoft.Extensions.Logging;

namespace StateVault.Hosting;

/// <summary>Source-generated log messages of the host. Never a state value, key or connection string.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Restored {System} from snapshot {Sequence}")]
    public static partial void Restored(ILogger logger, string system, long sequence);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Restored {System} from older snapshot {Sequence} after skipping {Skipped}")]
    public static partial void RestoredWithFallback(ILogger logger, string system, long sequence, string skipped);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "No snapshot of {System}; it starts from its defaults")]
    public static partial void StartingFromDefaults(ILogger logger, string system);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "No usable snapshot of {System} after skipping {Skipped}; it starts from its defaults")]
    public static partial void FellBackToDefaults(ILogger logger, string system, string skipped);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Snapshot {Sequence} of {System} verified but could not be adopted ({Reason}); trying an older one")]
    public static partial void AdoptFailed(ILogger logger, string system, long sequence, string reason, Exception exception);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Debug, Message = "Saved {System} as snapshot {Sequence}")]
    public static partial void Saved(ILogger logger, string system, long sequence);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Save of {System} failed ({Reason}); the newest state is kept pending and retried")]
    public static partial void SaveFailedPending(ILogger logger, string system, string reason, Exception exception);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "Pending state of {System} saved as snapshot {Sequence} after {Failures} failed attempt(s)")]
    public static partial void PendingRecovered(ILogger logger, string system, long sequence, int failures);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Error, Message = "Save of {System} was refused and is not retried until the state changes again: {Reason}")]
    public static partial void SaveRefused(ILogger logger, string system, string reason);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Error, Message = "State of {System} could not be saved before shutdown ({Reason}); changes since snapshot {Sequence} are lost")]
    public static partial void UnsavedAtShutdown(ILogger logger, string system, string reason, long? sequence, Exception? exception);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Restoring {Count} manager(s) from {Store}")]
    public static partial void RestoringManagers(ILogger logger, int count, string store);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "Saved {Count} dirty system(s) at shutdown")]
    public static partial void SavedAtShutdown(ILogger logger, int count);

    [LoggerMessage(EventId = 2030, Level = LogLevel.Warning, Message = "A state-change subscriber failed for {System}")]
    public static partial void SubscriberFailed(ILogger logger, string system, Exception exception);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Error, Message = "Manager {Name} failed while {Phase}")]
    public static partial void ManagerLifecycleFailed(ILogger logger, string name, string phase, Exception exception);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Warning, Message = "A change of {System} was not made durable within {Timeout}; it is not acknowledged and stays pending")]
    public static partial void DurableAckTimedOut(ILogger logger, string system, TimeSpan timeout);

    [LoggerMessage(EventId = 2040, Level = LogLevel.Warning, Message = "Save of {System} refused: another writer saved first (expected latest sequence {Expected}, found {Actual}); reloaded snapshot {Reloaded}, changes not yet acknowledged were reported as conflicts")]
    public static partial void SaveConflict(ILogger logger, string system, long expected, long actual, long? reloaded);

    [LoggerMessage(EventId = 2041, Level = LogLevel.Error, Message = "Save of {System} lost a compare-and-set and the reload of the newest state failed ({Reason}); the next save tries again")]
    public static partial void ConflictReloadFailed(ILogger logger, string system, string reason, Exception exception);

    [LoggerMessage(EventId = 2042, Level = LogLevel.Information, Message = "{System} was saved by another writer after snapshot {Seen}; reloaded snapshot {Reloaded}")]
    public static partial void Refreshed(ILogger logger, string system, long seen, long? reloaded);

    [LoggerMessage(EventId = 2043, Level = LogLevel.Debug, Message = "Refresh of {System} from the store failed ({Reason}); tried again later")]
    public static partial void RefreshFailed(ILogger logger, string system, string reason);
}
