using Microsoft.Extensions.Logging;

namespace Postmaster.Smtp.Client;

/// <summary>The SMTP client's log lines (STYLE.md §3.8). Event ids 150-179 belong to the client (the server has
/// 100-149); never reuse a retired one. Per-command tracing is Debug, and AUTH payloads never appear.</summary>
internal static partial class SmtpClientLog
{
    [LoggerMessage(EventId = 150, Level = LogLevel.Debug, Message = "smtp peer={Peer} -> {Line}")]
    public static partial void Sent(ILogger logger, string peer, string line);

    [LoggerMessage(EventId = 151, Level = LogLevel.Debug, Message = "smtp peer={Peer} <- {Reply}")]
    public static partial void Received(ILogger logger, string peer, string reply);

    [LoggerMessage(EventId = 152, Level = LogLevel.Information, Message = "smtp peer={Peer} tls=\"{Tls}\"")]
    public static partial void TlsEstablished(ILogger logger, string peer, string tls);

    [LoggerMessage(EventId = 153, Level = LogLevel.Information, Message = "smtp peer={Peer} session failed reason={Failure} problem=\"{Problem}\"")]
    public static partial void SessionFailed(ILogger logger, string peer, ConnectFailure failure, string problem);

    [LoggerMessage(EventId = 154, Level = LogLevel.Information, Message = "smtp peer={Peer} connection dropped problem=\"{Problem}\"")]
    public static partial void ConnectionDropped(ILogger logger, string peer, string problem);

    [LoggerMessage(EventId = 155, Level = LogLevel.Debug, Message = "smtp peer={Peer} cached connection was stale problem=\"{Problem}\"")]
    public static partial void StaleConnection(ILogger logger, string peer, string problem);
}
