namespace Postmaster.Smtp.Client;

/// <summary>The next hop broke the protocol: a malformed or endless reply line, continuation lines with
/// different codes, plaintext after STARTTLS, or a close in the middle of the dialogue. The connection is no longer
/// trustworthy; the client drops it and defers the recipients (STYLE.md §3.8, MailKit's SmtpProtocolException).</summary>
/// <param name="connectionClosed">The server closed the connection where a reply was due.</param>
public sealed class SmtpProtocolViolationException(string message, bool connectionClosed = false) : Exception(message)
{
    public bool ConnectionClosed { get; } = connectionClosed;
}
