namespace Postmaster.Smtp.Server;

/// <summary>The commands the server knows, including those it knows only to refuse.</summary>
internal enum Verb : byte
{
    Unknown,
    Helo, Ehlo, StartTls, Mail, Rcpt, Data, Rset, Noop, Vrfy, Quit,
    /// <summary>HELP, TURN, SEND, SOML, SAML, EXPN: known, not offered (502 5.5.1; the design note).</summary>
    NotImplemented,
    /// <summary>GET, POST, CONNECT, HEAD, PUT as a command: someone is talking HTTP at us (cross-protocol attack).</summary>
    Http,
}
