namespace Postmaster.Smtp.Client;

/// <summary>Why <see cref="SmtpRelayClient.ConnectAsync(System.Net.IPEndPoint, string?, CancellationToken)"/> did not
/// get a session ready for mail. Every kind but <see cref="TlsHandshake"/> means "try the next host".</summary>
public enum ConnectFailure
{
    None,
    /// <summary>No TCP connection (refused, unreachable, timed out).</summary>
    Unreachable,
    /// <summary>A 4xx/5xx greeting, or EHLO and HELO both refused.</summary>
    Refused,
    /// <summary>The policy demands TLS and the server does not offer STARTTLS or refuses it.</summary>
    TlsUnavailable,
    /// <summary>The TLS handshake failed (or the certificate did not verify). With
    /// <see cref="TlsPolicy.Opportunistic"/> the caller may connect again with <see cref="TlsPolicy.Disabled"/>.</summary>
    TlsHandshake,
    /// <summary>Credentials are configured but cannot be used (no TLS, no usable mechanism) or were refused.</summary>
    Authentication,
    /// <summary>A timeout, a broken connection or a protocol violation during the opening dialogue.</summary>
    Lost,
}
