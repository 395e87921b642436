using Microsoft.Extensions.Logging;

namespace Postmaster.Policy;

/// <summary>Log lines of the policy checks: event ids 400-419.</summary>
internal static partial class PolicyLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information,
        Message = "session={Session} policy={Policy} stage={Stage} verdict={Verdict} reply=\"{Reply}\" client={Client}")]
    public static partial void Verdict(ILogger logger, string session, string policy, string stage, string verdict, string reply, string client);

    [LoggerMessage(EventId = 401, Level = LogLevel.Error,
        Message = "session={Session} policy={Policy} stage={Stage} failed: {Problem} client={Client}")]
    public static partial void Failed(ILogger logger, string session, string policy, string stage, string problem, string client);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning,
        Message = "session={Session} policy={Policy} stage={Stage} problem: {Problem} client={Client}")]
    public static partial void Noted(ILogger logger, string session, string policy, string stage, string problem, string client);

    // 405-409: policy plugins (dso)
    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "policy={Policy} loaded")]
    public static partial void PluginLoaded(ILogger logger, string policy);

    [LoggerMessage(EventId = 406, Level = LogLevel.Error,
        Message = "policy={Policy} stuck: a check has not returned after {Seconds}s; refusing further calls until it does")]
    public static partial void PluginStuck(ILogger logger, string policy, long seconds);

    [LoggerMessage(EventId = 407, Level = LogLevel.Warning,
        Message = "policy={Policy} a check returned after {Seconds}s, too late; calls are accepted again")]
    public static partial void PluginReturnedLate(ILogger logger, string policy, long seconds);

    [LoggerMessage(EventId = 408, Level = LogLevel.Warning, Message = "policy={Policy} not cleaned up: {Reason}")]
    public static partial void PluginNotCleanedUp(ILogger logger, string policy, string reason);
}
