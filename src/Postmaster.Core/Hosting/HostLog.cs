using Microsoft.Extensions.Logging;

namespace Postmaster.Hosting;

/// <summary>The daemon's own events: start, stop, reload. Event ids 10-99.</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "postmaster {Version} started hostname={Hostname} pid={Pid} spool={Spool}")]
    public static partial void Started(ILogger logger, string version, string hostname, int pid, string spool);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "cannot start: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "stopping: sessions={Sessions} grace={GraceSeconds}s")]
    public static partial void Stopping(ILogger logger, int sessions, double graceSeconds);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "reloaded {Path} routes={Routes}")]
    public static partial void Reloaded(ILogger logger, string path, int routes);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error, Message = "reload: {Problem}")]
    public static partial void ReloadProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 16, Level = LogLevel.Error, Message = "reload refused: {Path} has errors; the running configuration stays")]
    public static partial void ReloadRefused(ILogger logger, string path);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "reload: the {Setting} setting changed; it takes effect at the next start")]
    public static partial void NeedsRestart(ILogger logger, string setting);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning, Message = "not started as root: the user setting ({User}) does not apply")]
    public static partial void UserIgnored(ILogger logger, string user);

    [LoggerMessage(EventId = 19, Level = LogLevel.Warning, Message = "STARTTLS not offered: {Reason}")]
    public static partial void NoTls(ILogger logger, string reason);

    [LoggerMessage(EventId = 20, Level = LogLevel.Critical, Message = "internal error; stopping")]
    public static partial void Crashed(ILogger logger, Exception exception);
}
