using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Postmaster.Config;
using Postmaster.Policy;
using Postmaster.Routing;
using Postmaster.Tls;

namespace Postmaster.Smtp.Server;

/// <summary>The configuration sessions work with. Immutable and swapped whole on SIGHUP; a session takes
/// the current one at connect and again at each MAIL, so a reload never changes a transaction half-way.</summary>
public sealed class ServerSnapshot(Settings settings, RouteResolver resolver, X509Certificate2? certificate)
{
    public Settings Settings { get; } = settings;
    public RouteResolver Resolver { get; } = resolver;

    /// <summary>The STARTTLS certificate, or <c>null</c> when TLS cannot be offered.</summary>
    public X509Certificate2? Certificate { get; } = certificate;

    /// <summary>The certificate with its chain, built once: every handshake sends the intermediates.</summary>
    public SslStreamCertificateContext? TlsContext { get; } =
        certificate is null ? null : TlsCertificates.ServerContext(certificate);

    /// <summary>The spam defences asked during the dialogue (<c>spf</c>, <c>policy</c>, <c>verify-recipients</c>).</summary>
    public PolicyChain Policies { get; init; } = PolicyChain.Empty;

    public ServerSnapshot WithCertificate(X509Certificate2? replacement) => new(Settings, Resolver, replacement) { Policies = Policies };
}
