namespace Postmaster.Smtp.Protocol;

/// <summary>What the session loop must do once a reply is written, so handlers never touch the pipes.</summary>
public enum SessionAction
{
    None,
    ReadBody,   // 354 sent: the message follows (BodyReader)
    StartTls,   // 220 sent: upgrade the transport, then start over (RFC 3207 §4.2)
    Close,      // the reply was the last word
}
