namespace Postmaster.Policy;

/// <summary>The points of the SMTP dialogue at which policies are asked (Postfix's protocol_state).</summary>
public enum PolicyStage
{
    /// <summary>A client connected; nothing said yet.</summary>
    Connect,

    /// <summary>HELO or EHLO.</summary>
    Helo,

    /// <summary>MAIL FROM: the sender is known.</summary>
    Mail,

    /// <summary>RCPT TO: one recipient, already found routable and allowed.</summary>
    Rcpt,

    /// <summary>The end of DATA: the whole message is in the spool's tmp/ file, not yet committed.</summary>
    Data,
}
