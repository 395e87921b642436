namespace Postmaster.Smtp.Client;

/// <summary>How long the client waits for each step (RFC 5321 §4.5.3.2; tests shorten them).</summary>
/// <param name="Connect">The TCP connection (not in the RFC; Postfix's smtp_connect_timeout is 30 s).</param>
/// <param name="Greeting">The initial 220 (§4.5.3.2.1: 5 minutes).</param>
/// <param name="Command">EHLO, STARTTLS and the TLS handshake, AUTH, RSET and QUIT (5 minutes, as for MAIL).</param>
/// <param name="Mail">The reply to MAIL (§4.5.3.2.2: 5 minutes).</param>
/// <param name="Rcpt">The reply to each RCPT (§4.5.3.2.3: 5 minutes).</param>
/// <param name="DataInitiation">The 354 after DATA (§4.5.3.2.4: 2 minutes).</param>
/// <param name="DataBlock">Each write of message data (§4.5.3.2.5: 3 minutes).</param>
/// <param name="DataTermination">The reply after the final dot (§4.5.3.2.6: 10 minutes).</param>
public sealed record ClientTimeouts(
    TimeSpan Connect,
    TimeSpan Greeting,
    TimeSpan Command,
    TimeSpan Mail,
    TimeSpan Rcpt,
    TimeSpan DataInitiation,
    TimeSpan DataBlock,
    TimeSpan DataTermination)
{
    public static ClientTimeouts Rfc5321 { get; } = new(
        Connect: TimeSpan.FromSeconds(30),
        Greeting: TimeSpan.FromMinutes(5),
        Command: TimeSpan.FromMinutes(5),
        Mail: TimeSpan.FromMinutes(5),
        Rcpt: TimeSpan.FromMinutes(5),
        DataInitiation: TimeSpan.FromMinutes(2),
        DataBlock: TimeSpan.FromMinutes(3),
        DataTermination: TimeSpan.FromMinutes(10));

    /// <summary>Every step the same (tests).</summary>
    public static ClientTimeouts All(TimeSpan timeout) => new(timeout, timeout, timeout, timeout, timeout, timeout, timeout, timeout);
}
