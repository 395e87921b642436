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
}
