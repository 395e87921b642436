namespace Postmaster.Smtp.Protocol;

/// <summary>Every reply the server sends, named by meaning (never by number).</summary>
/// <remarks>Codes from RFC 5321 §4.2.2-4.2.3, enhanced status codes from RFC 3463 and the IANA registry.
/// Transient trouble of our own is always 4xx.</remarks>
public static class Replies
{
    // Greeting and HELO/EHLO carry no enhanced code (RFC 2034 §3).
    public static Reply Greeting(string hostname) => new(220, "", $"{hostname} ESMTP Postmaster");

    /// <summary>The EHLO reply: our name and greeting on the first line, one extension per following line.</summary>
    public static Reply EhloReply(string hostname, string clientGreeting, IEnumerable<string> extensions) =>
        new(250, "", string.Join('\n', extensions.Prepend($"{hostname} Hello {clientGreeting}")));

    // Success
    public static readonly Reply Bye                 = new(221, "2.0.0", "Bye", SessionAction.Close);
    public static readonly Reply Ok                  = new(250, "2.0.0", "Ok");
    public static readonly Reply SenderOk            = new(250, "2.1.0", "Sender OK");
    public static readonly Reply RecipientOk         = new(250, "2.1.5", "Recipient OK");
    public static readonly Reply StartData           = new(354, "", "End data with <CR><LF>.<CR><LF>", SessionAction.ReadBody);
    public static Reply Queued(string id)            => new(250, "2.0.0", $"Ok: queued as {id}");
    public static readonly Reply ReadyForTls         = new(220, "2.0.0", "Ready to start TLS", SessionAction.StartTls);
    // RFC 5321 §3.5.3 and DESIGN.md §3: never 250 for VRFY.
    public static readonly Reply CannotVrfy          = new(252, "2.5.2", "Cannot VRFY user; try RCPT to attempt delivery");

    // Commands and their order
    public static readonly Reply NotImplemented      = new(502, "5.5.1", "Command not implemented");
    public static readonly Reply UnknownCommand      = new(500, "5.5.2", "Command not recognized");
    public static readonly Reply LineTooLong         = new(500, "5.5.2", "Line too long");
    // RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including CRLF.
    public static readonly Reply TextLineTooLong     = new(500, "5.5.2", "Line too long in message (limit 1000 octets)");
    public static readonly Reply BadSequence         = new(503, "5.5.1", "Bad sequence of commands");
    public static readonly Reply NeedHelo            = new(503, "5.5.1", "Send HELO/EHLO first");
    public static readonly Reply NestedMail          = new(503, "5.5.1", "Sender already specified");
    public static readonly Reply NeedMail            = new(503, "5.5.1", "Need MAIL command");
    public static readonly Reply NeedRcpt            = new(503, "5.5.1", "Need RCPT");
    public static readonly Reply AlreadyTls          = new(503, "5.5.1", "TLS already active");

    // Arguments
    public static readonly Reply BadHelo             = new(501, "5.5.4", "HELO/EHLO needs a domain");
    public static Reply SyntaxError(string text)     => new(501, "5.5.2", text);
    public static readonly Reply BadSenderSyntax     = new(501, "5.1.7", "Bad sender address syntax");
    public static readonly Reply BadRecipientSyntax  = new(501, "5.1.3", "Bad recipient address syntax");
    public static Reply UnknownParameter(string name) => new(555, "5.5.4", $"Parameter {name} not supported");
    public static Reply BadParameter(string text)    => new(501, "5.5.4", text);
    // RFC 6531 §3.5: without SMTPUTF8 a non-ASCII address is refused with 553 5.6.7.
    public static readonly Reply NeedsSmtpUtf8       = new(553, "5.6.7", "Non-ASCII address needs SMTPUTF8, which is not offered");

    // Policy and limits
    public static readonly Reply SizeExceeded        = new(552, "5.3.4", "Message size exceeds fixed maximum message size");
    public static readonly Reply TooManyRecipients   = new(452, "4.5.3", "Too many recipients");
    public static readonly Reply NoSuchUser          = new(550, "5.1.1", "No such user here");
    public static readonly Reply RelayDenied         = new(554, "5.7.1", "Relay access denied");
    public static readonly Reply RoutingLoop         = new(550, "5.4.6", "Routing loop detected");
    // RFC 5321 §6.3: 100 or more Received: headers is a loop.
    public static readonly Reply TooManyHops         = new(554, "5.4.6", "Too many hops (Received headers)");

    // The connection ends
    public static readonly Reply BareLineEnding      = new(521, "5.5.2", "Bare CR or LF not allowed; closing", SessionAction.Close);
    public static readonly Reply TooManyErrors       = new(421, "4.7.0", "Too many errors; closing", SessionAction.Close);
    public static readonly Reply Timeout             = new(421, "4.4.2", "Timeout; closing", SessionAction.Close);
    public static readonly Reply ShuttingDown        = new(421, "4.3.2", "Shutting down; closing", SessionAction.Close);
    public static readonly Reply InternalError       = new(421, "4.3.0", "Internal error; closing", SessionAction.Close);
    public static readonly Reply TooManyConnections  = new(421, "4.7.0", "Too many connections; try again later", SessionAction.Close);
    public static readonly Reply TooManyConnectionsFromYou =
        new(421, "4.7.0", "Too many connections from your address; try again later", SessionAction.Close);
    // RFC 3207 §4.2, CVE-2011-0411: plaintext pipelined after STARTTLS must not reach the TLS session.
    public static readonly Reply PipelinedAfterStartTls = new(554, "5.5.1", "Data after STARTTLS; closing", SessionAction.Close);

    // Our own trouble: always transient
    public static readonly Reply LocalError          = new(451, "4.3.0", "Local error in processing");
    public static readonly Reply InsufficientStorage = new(452, "4.3.1", "Insufficient system storage");
    public static readonly Reply TlsNotAvailable     = new(454, "4.7.0", "TLS not available");
}
