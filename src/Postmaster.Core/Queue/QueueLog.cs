using Microsoft.Extensions.Logging;

namespace Postmaster.Queue;

/// <summary>The queue runner's log lines: one per delivery event, queue id first. Event ids 320-349
/// (300-319 are local delivery's).</summary>
internal static partial class QueueLog
{
    [LoggerMessage(EventId = 320, Level = LogLevel.Information,
        Message = "{QueueId} to=<{Recipient}> orig=<{Original}> mailer={Mailer} status={Outcome} dsn={Status} delay={DelaySeconds}s attempts={Attempts} diagnostic=\"{Diagnostic}\"")]
    public static partial void Delivery(ILogger logger, string queueId, string recipient, string original, string mailer,
        string outcome, string status, long delaySeconds, int attempts, string diagnostic);

    [LoggerMessage(EventId = 321, Level = LogLevel.Information, Message = "{QueueId} removed: all {Recipients} recipients done")]
    public static partial void Completed(ILogger logger, string queueId, int recipients);

    [LoggerMessage(EventId = 322, Level = LogLevel.Information, Message = "{QueueId} deferred: next attempt {Next:O} pending={Pending}")]
    public static partial void Rescheduled(ILogger logger, string queueId, DateTimeOffset next, int pending);

    [LoggerMessage(EventId = 323, Level = LogLevel.Information, Message = "{QueueId} {Kind} notice {DsnId} to=<{To}> recipients={Recipients}")]
    public static partial void NoticeQueued(ILogger logger, string queueId, string kind, string dsnId, string to, int recipients);

    [LoggerMessage(EventId = 324, Level = LogLevel.Warning, Message = "{QueueId} no notice sent: {Reason}")]
    public static partial void NoticeDropped(ILogger logger, string queueId, string reason);

    [LoggerMessage(EventId = 325, Level = LogLevel.Error, Message = "{QueueId} runner error, will retry: {Reason}")]
    public static partial void ProcessingFailed(ILogger logger, string queueId, string reason);

    [LoggerMessage(EventId = 326, Level = LogLevel.Information, Message = "queue run: messages={Messages} delivered={Delivered} deferred={Deferred} failed={Failed} busy={Busy}")]
    public static partial void PassDone(ILogger logger, int messages, int delivered, int deferred, int failed, int busy);

    [LoggerMessage(EventId = 328, Level = LogLevel.Information, Message = "{QueueId} skipped: another runner is delivering it")]
    public static partial void Busy(ILogger logger, string queueId);

    [LoggerMessage(EventId = 327, Level = LogLevel.Error, Message = "{QueueId} agent failed for to=<{Recipient}>: {Reason}")]
    public static partial void AgentFailed(ILogger logger, string queueId, string recipient, string reason);
}
