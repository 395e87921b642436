using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Postmaster.Delivery;
using Postmaster.Routing;
using Postmaster.Smtp.Client;
using Postmaster.Tests.Dns;
using Postmaster.Tests.Smtp.Client;
using Postmaster.Tests.Smtp.Client.Peers;
using Xunit;
using static Postmaster.Tests.Delivery.RelayMailerTests;

namespace Postmaster.Tests.Delivery;

/// <summary>Bare <c>relay</c>: MX hosts from a real dnsmasq, pointing at aiosmtpd peers on 127.0.0.2-4 (all of
/// 127/8 is loopback on Linux). The peers share one free port, which the resolver uses instead of 25.</summary>
public sealed class RelayMailerMxTests(RelayMailerMxTests.Zone zone) : IClassFixture<RelayMailerMxTests.Zone>
{
    static readonly IPAddress Primary = IPAddress.Parse("127.0.0.2"), Secondary = IPAddress.Parse("127.0.0.3"),
        DomainAddress = IPAddress.Parse("127.0.0.4");

    RelayMailer Mailer(IPEndPoint dns, int port) =>
        new(new NextHopResolver([dns], TimeSpan.FromSeconds(2)) { MxPort = port }, () => Options, NullLogger.Instance);

    static readonly SmtpClientOptions Options = new("mx.example.org");

    static async Task<DeliveryResult> DeliverAsync(RelayMailer mailer, string recipient)
    {
        using var message = new TempMessage("Subject: mx\r\n\r\nby MX\r\n", recipient);
        return await mailer.DeliverAsync(new Target.Relay([]), message.Envelope, message.Envelope.Recipients[0], message.Path,
            CancellationToken.None);
    }

    [Fact]
    public async Task DeliversToTheMostPreferredMxHost()
    {
        await using AiosmtpdPeer primary = await AiosmtpdPeer.StartAsync(Primary, 0);
        await using AiosmtpdPeer secondary = await AiosmtpdPeer.StartAsync(Secondary, primary.EndPoint.Port);
        await using RelayMailer mailer = Mailer(zone.EndPoint, primary.EndPoint.Port);

        DeliveryResult result = await DeliverAsync(mailer, "bob@pref.test");

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.StartsWith($"one.mx.test[127.0.0.2]:{primary.EndPoint.Port}: 250", result.Diagnostic);
        Assert.Single(primary.Messages());
        Assert.Empty(secondary.Messages());
    }

    [Fact]
    public async Task TriesTheNextMxHostWhenTheFirstIsDown()
    {
        await using AiosmtpdPeer secondary = await AiosmtpdPeer.StartAsync(Secondary, 0);   // nothing on 127.0.0.2
        await using RelayMailer mailer = Mailer(zone.EndPoint, secondary.EndPoint.Port);

        DeliveryResult result = await DeliverAsync(mailer, "bob@pref.test");

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.Single(secondary.Messages());
    }

    [Fact]
    public async Task DeliversToTheDomainsOwnAddressWithoutMx()
    {
        await using AiosmtpdPeer own = await AiosmtpdPeer.StartAsync(DomainAddress, 0);
        await using RelayMailer mailer = Mailer(zone.EndPoint, own.EndPoint.Port);

        DeliveryResult result = await DeliverAsync(mailer, "bob@nomx.test");

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.Equal(["bob@nomx.test"], Assert.Single(own.Messages()).RcptTos);
    }

    [Fact]
    public async Task BouncesADomainThatDoesNotExist()
    {
        await using RelayMailer mailer = Mailer(zone.EndPoint, 25);
        Assert.Equal("failed 5.1.2 missing.test: domain not found (NXDOMAIN)", (await DeliverAsync(mailer, "bob@missing.test")).ToString());
    }

    [Fact]
    public async Task DefersOnDnsTroubleRatherThanBouncing()
    {
        using var failing = new NextHopResolverTests.ServfailServer();
        using var silent = new NextHopResolverTests.SilentServer();
        await using RelayMailer servfail = Mailer(failing.EndPoint, 25);
        await using RelayMailer timeout = new(new NextHopResolver([silent.EndPoint], TimeSpan.FromMilliseconds(300)), () => Options,
            NullLogger.Instance);

        Assert.Equal("deferred 4.4.3 pref.test: MX lookup failed: server failure (SERVFAIL)", (await DeliverAsync(servfail, "bob@pref.test")).ToString());
        Assert.Equal("deferred 4.4.3 pref.test: MX lookup failed: no answer from the DNS server (timed out)",
            (await DeliverAsync(timeout, "bob@pref.test")).ToString());
    }

    /// <summary>pref.test: MX 10 one.mx.test (127.0.0.2), MX 20 two.mx.test (127.0.0.3); nomx.test: only an A record
    /// (127.0.0.4); missing.test: NXDOMAIN.</summary>
    public sealed class Zone : Dnsmasq
    {
        public Zone() : base(
            [
                "--mx-host=pref.test,two.mx.test,20", "--mx-host=pref.test,one.mx.test,10",
                "--host-record=one.mx.test,127.0.0.2", "--host-record=two.mx.test,127.0.0.3",
                "--host-record=nomx.test,127.0.0.4",
            ], "one.mx.test")
        {
        }
    }
}
