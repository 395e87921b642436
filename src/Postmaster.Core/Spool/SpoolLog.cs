using Microsoft.Extensions.Logging;

namespace Postmaster.Spool;

/// <summary>The spool's log lines: one per event, queue id first, then key=value (STYLE.md §3.8).</summary>
internal static partial class SpoolLog
{
    // Event ids 200-299 belong to the spool; never reuse a retired id.

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "{QueueId} committed from=<{Sender}> nrcpt={RecipientCount} size={Size}")]
    public static partial void Committed(ILogger logger, QueueId queueId, string sender, int recipientCount, long size);

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "{Path}: moved to corrupt/: {Reason}")]
    public static partial void Corrupt(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "{QueueId} commit failed: {Reason}")]
    public static partial void CommitFailed(ILogger logger, QueueId queueId, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "{QueueId} removed")]
    public static partial void Removed(ILogger logger, QueueId queueId);

    [LoggerMessage(EventId = 204, Level = LogLevel.Debug, Message = "{QueueId} envelope rewritten attempts={Attempts}")]
    public static partial void Rewritten(ILogger logger, QueueId queueId, int attempts);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "tmp/{Name}: removed (left over from a crash, never acknowledged)")]
    public static partial void TmpSwept(ILogger logger, string name);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "{QueueId} removed orphan body (no envelope, age={Age})")]
    public static partial void OrphanRemoved(ILogger logger, QueueId queueId, TimeSpan age);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "spool {Root} opened messages={Count} corrupt={Corrupt}")]
    public static partial void Opened(ILogger logger, string root, int count, int corrupt);

    [LoggerMessage(EventId = 208, Level = LogLevel.Warning, Message = "{Path}: cannot remove: {Reason}")]
    public static partial void CleanupFailed(ILogger logger, string path, string reason);
}
