using Microsoft.Extensions.Logging;

namespace Postmaster.Spf;

/// <summary>Log lines of SPF: event ids 420-429 (the policy range; PolicyLog has 400-419).</summary>
internal static partial class SpfLog
{
    [LoggerMessage(EventId = 420, Level = LogLevel.Information,
        Message = "session={Session} spf={Result} identity={Identity} domain={Domain} problem=\"{Problem}\" queries={Queries} ms={Milliseconds} client={Client}")]
    public static partial void Checked(ILogger logger, string session, string result, string identity, string domain,
        string problem, int queries, long milliseconds, string client);

    [LoggerMessage(EventId = 421, Level = LogLevel.Warning,
        Message = "spf {Mode}: libspf2 is not available ({Problem}); mail is accepted without SPF checks")]
    public static partial void Unavailable(ILogger logger, string mode, string problem);
}
