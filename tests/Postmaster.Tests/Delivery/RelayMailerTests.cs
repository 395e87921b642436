using System.Collections.Immutable;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Postmaster.Config;
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

    static RelayMailer Mailer(SmtpClientOptions? options = null, RelayCredentials? credentials = null)
    {
        SmtpClientOptions chosen = options ?? new SmtpClientOptions("mx.example.org");   // one instance: the pool compares them
        return new RelayMailer(new NextHopResolver([], TimeSpan.FromSeconds(2)), () => chosen, NullLogger.Instance, credentials);
    }

    static Target.Relay SmartHost(IPEndPoint endPoint, RelayOptions? options = null) =>
        new([new RelayHost("127.0.0.1", endPoint.Port)], options ?? RelayOptions.Default);

    static async Task<string[]> DeliverAsync(RelayMailer mailer, Target.Relay relay, TempMessage message) =>
        [.. (await mailer.DeliverAsync(relay, message.Envelope, message.Envelope.Recipients, message.Path, CancellationToken.None))
            .Select(r => r.ToString())];

    [Fact]
    public async Task SendsTheRecipientsOfAMessageInOneTransactionEachWithItsOwnOutcome()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--pipelining",
            "--rcpt-reply", "carol@relay.test=550 5.1.1 no such user", "--rcpt-reply", "dave@relay.test=450 4.2.1 mailbox busy");
        using var message = new TempMessage("Subject: all at once\r\n\r\nhello\r\n", "bob@relay.test", "carol@relay.test",
            "dave@relay.test", "erin@elsewhere.example");
        await using RelayMailer mailer = Mailer();

        string[] results = await DeliverAsync(mailer, SmartHost(peer.EndPoint), message);

        string hop = $"127.0.0.1[127.0.0.1]:{peer.EndPoint.Port}";
        Assert.Equal(
            [
                $"delivered 2.0.0 {hop}: 250 2.0.0 Ok: queued as 1",
                $"failed 5.1.1 {hop}: 550 5.1.1 no such user",
                $"deferred 4.2.1 {hop}: 450 4.2.1 mailbox busy",
                $"delivered 2.0.0 {hop}: 250 2.0.0 Ok: queued as 1",
            ], results);
        ReceivedMessage received = Assert.Single(peer.Messages());
        Assert.Equal(["bob@relay.test", "erin@elsewhere.example"], received.RcptTos);
    }

    [Fact]
    public async Task SendsRecipientsBeyondTheServersLimitInAFurtherTransaction()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--pipelining", "--max-rcpts", "2");
        string[] recipients = [.. Enumerable.Range(1, 5).Select(i => $"user{i}@relay.test")];
        using var message = new TempMessage("Subject: many\r\n\r\nhello\r\n", recipients);
        await using RelayMailer mailer = Mailer();

        string[] results = await DeliverAsync(mailer, SmartHost(peer.EndPoint), message);

        Assert.All(results, r => Assert.StartsWith("delivered", r));
        Assert.Equal([["user1@relay.test", "user2@relay.test"], ["user3@relay.test", "user4@relay.test"], ["user5@relay.test"]],
            peer.Messages().Select(m => m.RcptTos));
        Assert.All(peer.Transcript(), line => Assert.StartsWith("1 ", line));   // over the same connection
    }

    [Fact]
    public async Task DeliversSeveralMessagesOverOneConnection()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--pipelining");
        await using RelayMailer mailer = Mailer();

        for (int i = 0; i < 3; i++)
        {
            using var message = new TempMessage($"Subject: {i}\r\n\r\nhello\r\n");
            Assert.StartsWith("delivered", Assert.Single(await DeliverAsync(mailer, SmartHost(peer.EndPoint), message)));
        }

        Assert.Equal(3, peer.Messages().Length);
        Assert.Single(peer.Commands(), c => c.StartsWith("EHLO", StringComparison.Ordinal));
        Assert.Equal(2, peer.Commands().Count(c => c == "RSET"));
        await mailer.DisposeAsync();
        Assert.Equal("QUIT", peer.Commands().Last());
    }

    [Fact]
    public async Task ReplacesACachedConnectionTheServerDroppedWithoutDeferring()
    {
        // The server closes each connection after one message, at the RSET of the next: a stale cached connection.
        await using var peer = ScriptedPeer.Serve(async (link, _) =>
        {
            await ScriptedPeer.GreetAsync(link, "PIPELINING");
            await link.ExpectAsync("MAIL");
            await link.ExpectAsync("RCPT");
            await link.ExpectAsync("DATA");
            await link.SendAsync("250 ok\r\n250 ok\r\n354 go\r\n");
            while (await link.ReadLineAsync() is { } line && line != ".")
            {
            }
            await link.SendAsync("250 2.0.0 queued\r\n");
            await link.ExpectAsync("RSET");
            link.Close();
        });
        await using RelayMailer mailer = Mailer();

        for (int i = 0; i < 3; i++)
        {
            using var message = new TempMessage($"Subject: {i}\r\n\r\nhello\r\n");
            Assert.StartsWith("delivered", Assert.Single(await DeliverAsync(mailer, SmartHost(peer.EndPoint), message)));
        }
        Assert.Equal(3, peer.Connections);
    }

    [Fact]
    public async Task TriesTheNextSmartHostWhenOneRefusesTheTransactionForNow()
    {
        await using var busy = ScriptedPeer.Start(async link =>
        {
            await ScriptedPeer.GreetAsync(link);
            await link.ExpectAsync("MAIL");
            await link.SendAsync("451 4.3.0 queue full, try another host\r\n");
            await link.ExpectAsync("QUIT");            // kept for reuse, then closed with the mailer
            await link.SendAsync("221 2.0.0 bye\r\n");
        });
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync();
        using var message = new TempMessage("Subject: busy\r\n\r\nhello\r\n", "bob@relay.test", "carol@relay.test");
        await using RelayMailer mailer = Mailer();

        string[] results = await DeliverAsync(mailer, new Target.Relay(
            [new RelayHost("127.0.0.1", busy.EndPoint.Port), new RelayHost("127.0.0.1", peer.EndPoint.Port)]), message);

        Assert.All(results, r => Assert.StartsWith($"delivered 2.0.0 127.0.0.1[127.0.0.1]:{peer.EndPoint.Port}", r));
        Assert.Equal(["bob@relay.test", "carol@relay.test"], Assert.Single(peer.Messages()).RcptTos);
    }

    [Theory]
    [InlineData("tls=verify", true, "delivered")]
    [InlineData("tls=verify", false, "deferred 4.7.5")]     // no plaintext fallback when verification was asked for
    [InlineData("tls=require", false, "delivered")]        // any certificate will do
    [InlineData("tls=opportunistic", false, "delivered")]
    public async Task AppliesTheTargetsTlsOption(string option, bool trusted, string expected)
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync(tls.PeerOptions);
        using var message = new TempMessage("Subject: tls\r\n\r\nhello\r\n");
        Assert.True(TargetText.TryParse($"relay(127.0.0.1:{peer.EndPoint.Port}, {option})", out Target? target, out _));
        await using RelayMailer mailer = Mailer(new SmtpClientOptions("mx.example.org") { TrustedRoots = trusted ? [tls.Certificate] : null });

        string result = Assert.Single(await DeliverAsync(mailer, (Target.Relay)target, message));

        Assert.StartsWith(expected, result);
        if (expected == "delivered")
            Assert.True(Assert.Single(peer.Messages()).Tls);
        else
            Assert.Empty(peer.Messages());
    }

    [Fact]
    public async Task TlsRequireSkipsAServerWithoutStartTlsAndTlsNoneNeverAsks()
    {
        await using AiosmtpdPeer plain = await AiosmtpdPeer.StartAsync();
        await using AiosmtpdPeer offering = await AiosmtpdPeer.StartAsync(tls.PeerOptions);
        using var message = new TempMessage("Subject: tls\r\n\r\nhello\r\n");
        await using RelayMailer mailer = Mailer();

        Assert.StartsWith("deferred 4.7.4", Assert.Single(await DeliverAsync(mailer, SmartHost(plain.EndPoint, new(RelayTls.Require)), message)));
        Assert.StartsWith("delivered", Assert.Single(await DeliverAsync(mailer, SmartHost(offering.EndPoint, new(RelayTls.None)), message)));

        Assert.Empty(plain.Messages());
        Assert.False(Assert.Single(offering.Messages()).Tls);
        Assert.DoesNotContain("STARTTLS", offering.Commands());
    }

    [Fact]
    public async Task SendsCredentialsWithoutTlsOnlyWhenTheTargetAllowsIt()
    {
        await using AiosmtpdPeer peer = await AiosmtpdPeer.StartAsync("--auth", "relayuser:pw", "--auth-plaintext", "--auth-required");
        Assert.True(RelayCredentials.TryParse($"127.0.0.1  relayuser  pw\n", "credentials", out RelayCredentials? credentials, out _));
        using var message = new TempMessage("Subject: auth\r\n\r\nhello\r\n");
        await using RelayMailer mailer = Mailer(credentials: credentials);

        string refused = Assert.Single(await DeliverAsync(mailer, SmartHost(peer.EndPoint), message));
        string allowed = Assert.Single(await DeliverAsync(mailer, SmartHost(peer.EndPoint, new(AllowCleartextAuth: true)), message));

        Assert.Contains("credentials not sent", refused);
        Assert.StartsWith("delivered", allowed);
        ReceivedMessage received = Assert.Single(peer.Messages());
        Assert.False(received.Tls);
        Assert.Equal("relayuser", received.Auth);
        Assert.Single(peer.Commands(), c => c.StartsWith("AUTH", StringComparison.Ordinal));
    }

    static int DeadPort()
    {
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>A queued message file and its envelope, for bob@relay.test or the recipients given.</summary>
    internal sealed class TempMessage : IDisposable
    {
        readonly string _directory = Directory.CreateTempSubdirectory("pm-relay-").FullName;

        public TempMessage(string text, params string[] recipients)
        {
            Path = System.IO.Path.Combine(_directory, "m.msg");
            File.WriteAllText(Path, text);
            Envelope = new Envelope(QueueId.New(TimeProvider.System), DateTimeOffset.UtcNow, Mailbox.Parse("alice@example.org"),
                new ClientInfo("127.0.0.1", null, "client.test", "ESMTP", null), text.Length, BodyType.SevenBit,
                [.. (recipients is [] ? ["bob@relay.test"] : recipients).Select(r =>
                    new EnvelopeRecipient(DeliveryState.Pending, Mailbox.Parse(r), Mailbox.Parse(r), "relay", null, null))]);
        }

        public string Path { get; }
        public Envelope Envelope { get; }

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }
}
