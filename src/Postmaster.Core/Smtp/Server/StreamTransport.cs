using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;

namespace Postmaster.Smtp.Server;

/// <summary>An <see cref="ISmtpTransport"/> over a connected stream (a socket's NetworkStream).</summary>
internal sealed class StreamTransport(Stream stream, IPEndPoint remoteEndPoint, bool isLocal = false, uint? localUid = null)
    : ISmtpTransport
{
    Stream _stream = stream;

    public PipeReader Input { get; private set; } = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
    public PipeWriter Output { get; private set; } = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    public IPEndPoint RemoteEndPoint { get; } = remoteEndPoint;
    public bool IsLocal { get; } = isLocal;
    public uint? LocalUid { get; } = localUid;
    public string? TlsDescription { get; private set; }

    public async Task UpgradeToTlsAsync(SslStreamCertificateContext certificate, CancellationToken cancellationToken)
    {
        // The plaintext pipes are done with; nothing in them may reach the TLS session (CVE-2011-0411).
        await Input.CompleteAsync();
        await Output.CompleteAsync();

        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        _stream = tls;
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = false,
        }, cancellationToken);

        Input = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));
        Output = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
        TlsDescription = $"{ProtocolName(tls.SslProtocol)} {tls.NegotiatedCipherSuite}";
    }

    static string ProtocolName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };

    public async ValueTask DisposeAsync()
    {
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        await _stream.DisposeAsync();
    }
}
