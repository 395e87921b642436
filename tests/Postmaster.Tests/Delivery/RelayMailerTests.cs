using System.Collections.Immutable;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Postmaster.Delivery;
using Postmaster.Mail;
using Postmaster.Routing;
using Postmaster.Smtp.Client;
using Postmaster.Smtp.Protocol;
using Postmaster.Spool;
using Postmaster.Tests.Smtp.Client;
using Postmaster.Tests.Smtp.Client.Peers;
using Xunit;

namespace Postmaster.Tests.Delivery;

/// <summary>RelayMailer against aiosmtpd: next hops in order, AUTH from relay-credentials over STARTTLS.</summary>
public sealed class RelayMailerTests(PeerCertificate tls) : IClassFixture<PeerCertificate>
{
    [Fact]
    public async Task AuthenticatesToTheSmartHostNamedInRelayCredentialsAfterADeadOne()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync([.. tls.PeerOptions, "--auth", "relayuser:s3cret pass", "--auth-required"]);
        Assert.True(RelayCredentials.TryParse($"127.0.0.1:{peer.EndPoint.Port}  relayuser  s3cret pass\n", "credentials",
            out RelayCredentials? credentials, out _));
        using var message = new TempMessage("Subject: relayed\r\n\r\nthrough the smart host\r\n");
        var relay = new Target.Relay([new RelayHost("127.0.0.1", DeadPort()), new RelayHost("127.0.0.1", peer.EndPoint.Port)]);
        var mailer = new RelayMailer(new NextHopResolver([], TimeSpan.FromSeconds(2)),
            () => new SmtpClientOptions("mx.example.org") { TrustedRoots = [tls.Certificate] }, NullLogger.Instance, credentials);

        DeliveryResult result = await mailer.DeliverAsync(relay, message.Envelope, message.Envelope.Recipients[0], message.Path,
            CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        ReceivedMessage received = Assert.Single(peer.Messages());
        Assert.True(received.Tls);
        Assert.Equal("relayuser", received.Auth);
        Assert.EndsWith("through the smart host\r\n", Encoding.ASCII.GetString(received.Content));
    }

    [Fact]
    public async Task WithoutCredentialsTheSmartHostThatRequiresAuthDefers()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync([.. tls.PeerOptions, "--auth", "relayuser:pw", "--auth-required"]);
        using var message = new TempMessage("Subject: x\r\n\r\nbody\r\n");
        var mailer = new RelayMailer(new NextHopResolver([], TimeSpan.FromSeconds(2)),
            () => new SmtpClientOptions("mx.example.org"), NullLogger.Instance);

        DeliveryResult result = await mailer.DeliverAsync(new Target.Relay([new RelayHost("127.0.0.1", peer.EndPoint.Port)]),
            message.Envelope, message.Envelope.Recipients[0], message.Path, CancellationToken.None);

        Assert.NotEqual(DeliveryOutcome.Delivered, result.Outcome);
        Assert.Empty(peer.Messages());
    }

    static int DeadPort()
    {
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>A queued message file and its envelope, for one recipient bob@relay.test.</summary>
    sealed class TempMessage : IDisposable
    {
        readonly string _directory = Directory.CreateTempSubdirectory("pm-relay-").FullName;

        public TempMessage(string text)
        {
            Path = System.IO.Path.Combine(_directory, "m.msg");
            File.WriteAllText(Path, text);
            var recipient = new EnvelopeRecipient(DeliveryState.Pending, Mailbox.Parse("bob@relay.test"), Mailbox.Parse("bob@relay.test"),
                "relay", null, null);
            Envelope = new Envelope(QueueId.New(TimeProvider.System), DateTimeOffset.UtcNow, Mailbox.Parse("alice@example.org"),
                new ClientInfo("127.0.0.1", null, "client.test", "ESMTP", null), text.Length, BodyType.SevenBit,
                ImmutableArray.Create(recipient));
        }

        public string Path { get; }
        public Envelope Envelope { get; }

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }
}
