namespace Postmaster.Smtp.Server;

/// <summary>Where a session stands in the RFC 5321 dialogue.</summary>
/// <remarks>Flags, so one table row can name every state its command is legal in.</remarks>
[Flags]
internal enum SessionState : byte
{
    /// <summary>Greeting sent, no HELO/EHLO yet; also right after STARTTLS (RFC 3207 §4.2).</summary>
    Connected = 1,
    /// <summary>HELO/EHLO accepted, no transaction open.</summary>
    Greeted = 2,
    /// <summary>MAIL FROM accepted.</summary>
    MailGiven = 4,
    /// <summary>At least one RCPT TO accepted.</summary>
    RcptGiven = 8,
    InTransaction = MailGiven | RcptGiven,
    Any = Connected | Greeted | MailGiven | RcptGiven,
}
