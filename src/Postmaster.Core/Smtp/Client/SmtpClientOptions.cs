using System.Security.Cryptography.X509Certificates;
using Postmaster.Routing;

namespace Postmaster.Smtp.Client;

/// <summary>How one <see cref="SmtpRelayClient"/> talks to its next hop: our name, TLS, AUTH and timeouts.</summary>
/// <param name="HostName">Our own fully-qualified name, sent in EHLO/HELO (RFC 5321 §4.1.1.1).</param>
public sealed record SmtpClientOptions(string HostName)
{
    public TlsPolicy Tls { get; init; } = TlsPolicy.Opportunistic;

    /// <summary>For AUTH to a smart host (from <see cref="RelayCredentials.Find(string, int)"/>); null: no AUTH.</summary>
    public RelayCredentials.Account? Credentials { get; init; }

    /// <summary>Whether AUTH may be sent over a connection without TLS (the target must say so explicitly).</summary>
    public bool AllowPlaintextAuth { get; init; }

    public ClientTimeouts Timeouts { get; init; } = ClientTimeouts.Rfc5321;

    /// <summary>For <see cref="TlsPolicy.Verify"/>: the roots to trust instead of the system's (tests, private CAs).</summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }

    /// <summary>These options for <paramref name="hop"/> of <paramref name="relay"/>: the target's <c>tls=</c> and
    /// <c>auth=</c> options, and the hop's account in <paramref name="credentials"/> (if any).</summary>
    public SmtpClientOptions For(Target.Relay relay, NextHop hop, RelayCredentials? credentials) => this with
    {
        Tls = relay.Options.Tls switch
        {
            RelayTls.Require => TlsPolicy.Require,
            RelayTls.Verify => TlsPolicy.Verify,
            RelayTls.None => TlsPolicy.Disabled,
            _ => TlsPolicy.Opportunistic,
        },
        AllowPlaintextAuth = relay.Options.AllowCleartextAuth,
        Credentials = credentials?.Find(hop.HostName, hop.Port),
    };
}
