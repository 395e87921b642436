using Microsoft.Extensions.Logging;

namespace Postmaster.Submission;

/// <summary>Log lines of <c>postmaster sendmail</c>, queue id first (STYLE.md §3.8). Event ids 360-369.</summary>
internal static partial class SubmissionLog
{
    [LoggerMessage(EventId = 360, Level = LogLevel.Information,
        Message = "{QueueId} queued directly into the spool (daemon not running) from=<{Sender}> nrcpt={Recipients} size={Size} uid={Uid} user={User}")]
    public static partial void QueuedDirectly(ILogger logger, string queueId, string sender, int recipients, long size, uint uid, string user);

    [LoggerMessage(EventId = 361, Level = LogLevel.Warning, Message = "sendmail from uid={Uid} user={User}: {Problem}")]
    public static partial void Failed(ILogger logger, uint uid, string user, string problem);
}
