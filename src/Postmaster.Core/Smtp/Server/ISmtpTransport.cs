using System.IO.Pipelines;
using System.Net;
using System.Net.Security;

namespace Postmaster.Smtp.Server;

/// <summary>What a session sees of its connection: two pipes and the means to switch them to TLS.
/// The session never touches a socket, so tests can drive it over in-memory pipes (STYLE.md §3.3).</summary>
internal interface ISmtpTransport : IAsyncDisposable
{
    PipeReader Input { get; }
    PipeWriter Output { get; }
    IPEndPoint RemoteEndPoint { get; }

    /// <summary>A local submission over the spool's Unix socket (<c>postmaster sendmail</c>): trusted like
    /// the machine itself, whatever <c>trusted-networks</c> says.</summary>
    bool IsLocal { get; }

    /// <summary>For a local submission, the submitting user's uid as the kernel reports it (SO_PEERCRED).</summary>
    uint? LocalUid { get; }

    /// <summary>After a successful upgrade: e.g. <c>TLSv1.3 TLS_AES_256_GCM_SHA384</c>; otherwise <c>null</c>.</summary>
    string? TlsDescription { get; }

    /// <summary>Replaces <see cref="Input"/> and <see cref="Output"/> with pipes over a TLS session
    /// (RFC 3207). The caller has made sure no plaintext is left unread.</summary>
    Task UpgradeToTlsAsync(SslStreamCertificateContext certificate, CancellationToken cancellationToken);
}
