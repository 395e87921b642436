using Microsoft.Extensions.Logging;

namespace Postmaster.Smtp.Server;

/// <summary>The daemon's log lines: one per mail event, queue id (or session) first, then key=value
/// (STYLE.md §3.8). Event ids 100-199 belong to the SMTP server; never reuse a retired one.</summary>
internal static partial class SmtpServerLog
{
    /// <summary>A value for inside <c>key="..."</c>: its own double quotes become single ones, so the line
    /// still splits into fields the one way.</summary>
    public static string Quoted(string value) => value.Replace('"', '\'');

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "session={Session} connect client={Client}")]
    public static partial void Connected(ILogger logger, string session, string client);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "session={Session} tls=\"{Tls}\" client={Client}")]
    public static partial void TlsEstablished(ILogger logger, string session, string tls, string client);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information,
        Message = "{QueueId} accepted to=<{Recipient}> from=<{Sender}> targets=\"{Targets}\" client={Client}")]
    public static partial void RecipientAccepted(ILogger logger, string queueId, string recipient, string sender, string targets, string client);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information,
        Message = "{QueueId} rejected to=<{Recipient}> from=<{Sender}> reply=\"{Reply}\" reason=\"{Reason}\" client={Client}")]
    public static partial void RecipientRejected(ILogger logger, string queueId, string recipient, string sender, string reply, string reason, string client);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information,
        Message = "{QueueId} queued from=<{Sender}> nrcpt={Recipients} size={Size} client={Client}")]
    public static partial void Queued(ILogger logger, string queueId, string sender, int recipients, long size, string client);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information,
        Message = "{QueueId} message rejected reply=\"{Reply}\" from=<{Sender}> client={Client}")]
    public static partial void MessageRejected(ILogger logger, string queueId, string reply, string sender, string client);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information,
        Message = "session={Session} disconnect client={Client} reason={Reason} commands={Commands} messages={Messages} recipients={Recipients} errors={Errors}")]
    public static partial void Disconnected(ILogger logger, string session, string client, string reason, int commands, int messages, int recipients, int errors);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "connection refused client={Client} reason={Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string client, string reason);

    [LoggerMessage(EventId = 108, Level = LogLevel.Error, Message = "session={Session} internal error client={Client}")]
    public static partial void SessionFailed(ILogger logger, string session, string client, Exception exception);

    [LoggerMessage(EventId = 109, Level = LogLevel.Error, Message = "{QueueId} not queued: {Reason} client={Client}")]
    public static partial void CommitFailed(ILogger logger, string queueId, string reason, string client);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "session={Session} sender rejected from=\"{Sender}\" reply=\"{Reply}\" client={Client}")]
    public static partial void SenderRejected(ILogger logger, string session, string sender, string reply, string client);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "session={Session} tls failed reason=\"{Reason}\" client={Client}")]
    public static partial void TlsFailed(ILogger logger, string session, string reason, string client);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information, Message = "listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string endPoint);
}
