namespace Postmaster.Smtp.Client;

/// <summary>How the client uses STARTTLS (RFC 3207) with one next hop; the <c>tls=</c> option of a relay target.</summary>
public enum TlsPolicy
{
    /// <summary>STARTTLS whenever offered, any certificate accepted; plaintext when not offered or refused. After a
    /// failed handshake the caller may connect again with <see cref="Disabled"/> (Postfix's "may" level).</summary>
    Opportunistic,
    /// <summary>TLS or nothing: a server that does not offer STARTTLS, or refuses it, is not used. Any certificate is
    /// accepted (protects against passive listeners, not against an active attacker).</summary>
    Require,
    /// <summary>TLS with a certificate that chains to a trusted root and names the host (RFC 6125).</summary>
    Verify,
    /// <summary>Never STARTTLS: the <c>tls=none</c> option, and the retry after a failed opportunistic handshake.</summary>
    Disabled,
}
