using Microsoft.Extensions.Logging;

namespace Postmaster.Queue;

/// <summary>Log lines of the queue commands: queue id first, then who did it (STYLE.md §3.8). Event ids 350-359.</summary>
internal static partial class QueueAdminLog
{
    [LoggerMessage(EventId = 350, Level = LogLevel.Information, Message = "{QueueId} retry requested by {Actor}: next attempt now pending={Pending}")]
    public static partial void Retried(ILogger logger, string queueId, string actor, int pending);

    [LoggerMessage(EventId = 351, Level = LogLevel.Warning, Message = "{QueueId} deleted by {Actor}: from=<{Sender}> pending={Pending} recipients={Recipients}")]
    public static partial void Deleted(ILogger logger, string queueId, string actor, string sender, int pending, string recipients);

    [LoggerMessage(EventId = 352, Level = LogLevel.Warning, Message = "{QueueId} bounced by {Actor}: from=<{Sender}> failed={Bounced} recipients={Recipients}")]
    public static partial void Bounced(ILogger logger, string queueId, string actor, string sender, int bounced, string recipients);
}
