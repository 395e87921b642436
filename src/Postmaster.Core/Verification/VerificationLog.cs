using Microsoft.Extensions.Logging;

namespace Postmaster.Verification;

/// <summary>Log lines of recipient verification: event ids 470-479 (part of the policy area, 4xx).</summary>
internal static partial class VerificationLog
{
    [LoggerMessage(EventId = 470, Level = LogLevel.Information,
        Message = "verify to=<{Recipient}> via={Via} result={Result} reply=\"{Reply}\" time={Milliseconds}ms")]
    public static partial void Probed(ILogger logger, string recipient, string via, string result, string reply, long milliseconds);
}
