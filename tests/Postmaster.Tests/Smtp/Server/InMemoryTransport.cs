using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using Postmaster.Smtp.Server;

namespace Postmaster.Tests.Smtp.Server;

/// <summary>A transport over two in-memory pipes: the test writes what the client sends into one and
/// reads the server's replies from the other (Kestrel's in-memory transport idea).</summary>
internal sealed class InMemoryTransport(IPEndPoint remote) : ISmtpTransport
{
    public Pipe ClientToServer { get; } = new();
    public Pipe ServerToClient { get; } = new();

    public PipeReader Input => ClientToServer.Reader;
    public PipeWriter Output => ServerToClient.Writer;
    public IPEndPoint RemoteEndPoint { get; } = remote;
    public string? TlsDescription => null;
    public bool IsLocal => false;
    public uint? LocalUid => null;

    public Task UpgradeToTlsAsync(SslStreamCertificateContext certificate, CancellationToken cancellationToken) =>
        throw new NotSupportedException("TLS is tested end to end over real sockets");

    public async ValueTask DisposeAsync()
    {
        await Input.CompleteAsync();
        await Output.CompleteAsync();
    }
}
