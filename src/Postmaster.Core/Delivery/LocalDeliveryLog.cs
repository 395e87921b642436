using Microsoft.Extensions.Logging;

namespace Postmaster.Delivery;

/// <summary>Log lines of local delivery (STYLE.md §3.8); event ids 300-329, never reuse a retired one.</summary>
/// <remarks>No message here says "started": tests and scripts wait for the daemon's own "started" line.</remarks>
internal static partial class LocalDeliveryLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "delivery agent running as root pid={Pid} spool={Spool}")]
    public static partial void AgentStarted(ILogger logger, int pid, string spool);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "delivery agent exited status={ExitCode}; deliveries to system users defer until the daemon restarts")]
    public static partial void AgentExited(ILogger logger, int exitCode);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "delivery agent unavailable: {Reason}; deliveries to system users run as the daemon's user")]
    public static partial void AgentNotStarted(ILogger logger, string reason);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "delivery agent sent a line that is not an answer: {Line}")]
    public static partial void AgentGarbage(ILogger logger, string line);
}
