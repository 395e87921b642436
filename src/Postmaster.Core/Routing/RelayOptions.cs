namespace Postmaster.Routing;

/// <summary>How a <c>relay(...)</c> target uses STARTTLS (RFC 3207): its <c>tls=</c> option.</summary>
public enum RelayTls
{
    /// <summary><c>tls=opportunistic</c>, the default: STARTTLS whenever offered, any certificate; plaintext when
    /// it is not offered or the handshake fails.</summary>
    Opportunistic,
    /// <summary><c>tls=require</c>: TLS or no delivery to that host; any certificate.</summary>
    Require,
    /// <summary><c>tls=verify</c>: TLS with a certificate that chains to the system's trusted roots and names the
    /// host (the smart host's name as written, or the MX host's name).</summary>
    Verify,
    /// <summary><c>tls=none</c>: never STARTTLS, for a next hop whose TLS is known to be broken.</summary>
    None,
}

/// <summary>The <c>key=value</c> options of a <c>relay(...)</c> target, after its hosts:
/// <c>relay(smtp.example.net:587, tls=verify)</c>, or alone for MX delivery: <c>relay(tls=require)</c>.</summary>
/// <param name="AllowCleartextAuth"><c>auth=allow-cleartext</c>: credentials from <c>relay-credentials</c> may be
/// sent over a connection without TLS. By default (<c>auth=tls-only</c>) they never are.</param>
public sealed record RelayOptions(RelayTls Tls = RelayTls.Opportunistic, bool AllowCleartextAuth = false)
{
    public static RelayOptions Default { get; } = new();

    /// <summary>The option names, for "did you mean" hints and messages.</summary>
    public static readonly string[] Names = ["tls", "auth"];

    /// <summary>The values of <c>tls=</c>, in the order of <see cref="RelayTls"/>.</summary>
    public static readonly string[] TlsWords = ["opportunistic", "require", "verify", "none"];

    /// <summary>The values of <c>auth=</c>: false, then true.</summary>
    public static readonly string[] AuthWords = ["tls-only", "allow-cleartext"];

    /// <summary>The options that differ from the defaults, in configuration syntax: <c>tls=verify, auth=allow-cleartext</c>;
    /// empty for the defaults.</summary>
    public override string ToString()
    {
        var parts = new List<string>(2);
        if (Tls != RelayTls.Opportunistic)
            parts.Add("tls=" + TlsWords[(int)Tls]);
        if (AllowCleartextAuth)
            parts.Add("auth=" + AuthWords[1]);
        return string.Join(", ", parts);
    }
}
