using Postmaster.Tests.Dns;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;
using Postmaster.Delivery;
using Postmaster.Routing;
using Postmaster.Smtp.Client;
using Xunit;

namespace Postmaster.Tests.Smtp.Client;

public sealed partial class NextHopResolverTests(NextHopResolverTests.Zone zone) : IClassFixture<NextHopResolverTests.Zone>
{
    NextHopResolver Resolver(Random? random = null) => new([zone.EndPoint], TimeSpan.FromSeconds(2), random);

    async Task<string> MxAsync(string domain, Random? random = null) =>
        (await Resolver(random).ResolveMxAsync(domain, CancellationToken.None)).ToString();

    [Fact]
    public async Task GivesMxHostsInPreferenceOrderWithAllAddressesOfAHostBeforeTheNext() =>
        Assert.Equal("a.hosts.test[::1]:25, a.hosts.test[127.0.0.2]:25, b.hosts.test[127.0.0.3]:25", await MxAsync("pref.test"));

    [Fact]
    public async Task IgnoresCaseAndATrailingDotInTheDomain() =>
        Assert.Equal(await MxAsync("pref.test"), await MxAsync("PREF.Test."));

    [Fact]
    public async Task ShufflesMxHostsOfEqualPreferenceOnly()
    {
        var orders = new HashSet<string>();
        for (int seed = 0; seed < 40; seed++)
        {
            string order = await MxAsync("equal.test", new Random(seed));
            Assert.EndsWith(", e3.hosts.test[127.0.0.13]:25", order);
            Assert.Equal(order, await MxAsync("equal.test", new Random(seed)));   // a seed fixes the order
            orders.Add(order);
        }
        Assert.Equal(
            [
                "e1.hosts.test[127.0.0.11]:25, e2.hosts.test[127.0.0.12]:25, e3.hosts.test[127.0.0.13]:25",
                "e2.hosts.test[127.0.0.12]:25, e1.hosts.test[127.0.0.11]:25, e3.hosts.test[127.0.0.13]:25",
            ], orders.Order());
    }

    [Fact]
    public async Task SkipsAnMxHostWithoutAddresses() =>
        Assert.Equal("b.hosts.test[127.0.0.3]:25", await MxAsync("partial.test"));

    [Fact]
    public async Task ListsAnAddressSharedByTwoMxHostsOnce() =>
        Assert.Equal("a.hosts.test[::1]:25, a.hosts.test[127.0.0.2]:25, c.hosts.test[2001:db8::c]:25", await MxAsync("shared.test"));

    [Fact]
    public async Task DefersWhenNoMxHostHasAnAddress()
    {
        NextHopResult result = await Resolver().ResolveMxAsync("ghosts.test", CancellationToken.None);
        Assert.Empty(result.Hops);
        Assert.Equal("deferred 4.4.4 ghosts.test: no MX host has an address (ghost.hosts.test: domain not found (NXDOMAIN); "
            + "empty.hosts.test: no A or AAAA records)", result.ToString());
    }

    [Fact]
    public async Task UsesTheDomainsOwnAddressesWithoutMx() =>
        Assert.Equal("implicit.test[::1]:25, implicit.test[127.0.0.5]:25", await MxAsync("implicit.test"));

    [Fact]
    public async Task BouncesADomainWithNeitherMxNorAddresses() =>
        Assert.Equal("failed 5.4.4 nothing.test: no MX records and no A or AAAA records", await MxAsync("nothing.test"));

    [Fact]
    public async Task BouncesANullMx()
    {
        NextHopResult result = await Resolver().ResolveMxAsync("nullmx.test", CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Failed, result.Failure!.Outcome);
        Assert.Equal("5.1.10", result.Failure.Status);
        Assert.Equal("nullmx.test: domain does not accept mail (RFC 7505 null MX)", result.Failure.Diagnostic);
    }

    [Fact]
    public async Task TreatsANullMxAmongOtherMxRecordsAsNoHost() =>
        Assert.Equal("b.hosts.test[127.0.0.3]:25", await MxAsync("nullplus.test"));

    [Fact]
    public async Task BouncesAnUnknownDomain() =>
        Assert.Equal("failed 5.1.2 missing.test: domain not found (NXDOMAIN)", await MxAsync("missing.test"));

    [Theory]
    [InlineData("bad..test")]
    [InlineData("exa mple.test")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.test")]   // a 64-octet label
    public async Task BouncesANameDnsCannotCarry(string domain) =>
        Assert.Equal($"failed 5.1.2 \"{domain}\" is not a valid domain name", await MxAsync(domain));

    [Fact]
    public async Task SkipsASmartHostWithABadName() =>
        Assert.Equal("deferred 4.4.4 no smart host has an address (bad..test: not a valid host name; 0.0.0.0: not an address to connect to)",
            (await Resolver().ResolveHostsAsync([new("bad..test", 25), new("0.0.0.0", 25)], CancellationToken.None)).ToString());

    [Fact]
    public async Task TakesASmartHostNameWithATrailingDot() =>
        Assert.Equal("b.hosts.test[127.0.0.3]:25",
            (await Resolver().ResolveHostsAsync([new("b.hosts.test.", 25)], CancellationToken.None)).ToString());

    [Theory]
    [InlineData("[127.0.0.1]", "127.0.0.1[127.0.0.1]:25")]
    [InlineData("[IPv6:::1]", "::1[::1]:25")]
    [InlineData("[ipv6:2001:DB8::1]", "2001:db8::1[2001:db8::1]:25")]
    [InlineData("[1]", "failed 5.1.2 bad address literal [1]")]
    [InlineData("[300.0.0.1]", "failed 5.1.2 bad address literal [300.0.0.1]")]
    [InlineData("[IPv6:127.0.0.1]", "failed 5.1.2 bad address literal [IPv6:127.0.0.1]")]
    [InlineData("[::1]", "failed 5.1.2 bad address literal [::1]")]
    [InlineData("[0.0.0.0]", "failed 5.1.2 bad address literal [0.0.0.0]")]
    [InlineData("[127.0.0.1", "failed 5.1.2 bad address literal [127.0.0.1")]
    public async Task GoesStraightToAnAddressLiteral(string domain, string expected)
    {
        using var silent = new SilentServer();   // no DNS question may be asked
        var resolver = new NextHopResolver([silent.EndPoint], TimeSpan.FromSeconds(5));
        Assert.Equal(expected, (await resolver.ResolveMxAsync(domain, CancellationToken.None)).ToString());
    }

    [Fact]
    public async Task GivesSmartHostsInTheGivenOrderWithTheirPorts()
    {
        ImmutableArray<RelayHost> hosts =
            [new("b.hosts.test", 25), new("a.hosts.test", 587), new("192.0.2.7", 2525), new("2001:db8::7", 25)];
        NextHopResult result = await Resolver().ResolveHostsAsync(hosts, CancellationToken.None);
        Assert.Equal("b.hosts.test[127.0.0.3]:25, a.hosts.test[::1]:587, a.hosts.test[127.0.0.2]:587, "
            + "192.0.2.7[192.0.2.7]:2525, 2001:db8::7[2001:db8::7]:25", result.ToString());
    }

    [Fact]
    public async Task GivesEveryAddressOfASmartHost()
    {
        NextHopResult result = await Resolver().ResolveHostsAsync([new("multi.hosts.test", 25)], CancellationToken.None);
        Assert.Equal("::1", result.Hops[0].Address.ToString());   // IPv6 first
        Assert.Equal(["127.0.0.21", "127.0.0.22"], result.Hops.Skip(1).Select(h => h.Address.ToString()).Order());
    }

    [Fact]
    public async Task SkipsASmartHostThatDoesNotResolve() =>
        Assert.Equal("a.hosts.test[::1]:587, a.hosts.test[127.0.0.2]:587", (await Resolver().ResolveHostsAsync(
            [new("ghost.hosts.test", 25), new("a.hosts.test", 587)], CancellationToken.None)).ToString());

    [Fact]
    public async Task DefersRatherThanBouncesWhenNoSmartHostResolves() =>
        Assert.Equal("deferred 4.4.4 no smart host has an address (ghost.hosts.test: domain not found (NXDOMAIN))",
            (await Resolver().ResolveHostsAsync([new("ghost.hosts.test", 25)], CancellationToken.None)).ToString());

    [Fact]
    public async Task UsesTheTargetsHostsOrTheMxHosts()
    {
        NextHopResolver resolver = Resolver();
        Assert.Equal("b.hosts.test[127.0.0.3]:2525", (await resolver.ResolveAsync(
            new Target.Relay([new RelayHost("b.hosts.test", 2525)]), "pref.test", CancellationToken.None)).ToString());
        Assert.Equal(await MxAsync("pref.test"),
            (await resolver.ResolveAsync(new Target.Relay([]), "pref.test", CancellationToken.None)).ToString());
    }

    [Fact]
    public async Task DefersWhenTheServerNeverAnswers()
    {
        using var silent = new SilentServer();
        var resolver = new NextHopResolver([silent.EndPoint], TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        NextHopResult mx = await resolver.ResolveMxAsync("pref.test", CancellationToken.None);
        Assert.Equal("deferred 4.4.3 pref.test: MX lookup failed: no answer from the DNS server (timed out)", mx.ToString());
        NextHopResult hosts = await resolver.ResolveHostsAsync([new("a.hosts.test", 25)], CancellationToken.None);
        Assert.Equal("deferred 4.4.3 no smart host has an address (a.hosts.test: no answer from the DNS server (timed out))",
            hosts.ToString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task DefersOnServerFailure()
    {
        using var failing = new ServfailServer();
        var resolver = new NextHopResolver([failing.EndPoint], TimeSpan.FromSeconds(2));
        Assert.Equal("deferred 4.4.3 pref.test: MX lookup failed: server failure (SERVFAIL)",
            (await resolver.ResolveMxAsync("pref.test", CancellationToken.None)).ToString());
    }

    [Fact]
    public async Task DefersWhenTheServerPortIsClosed()
    {
        IPEndPoint closed;
        using (var probe = new SilentServer())
            closed = probe.EndPoint;
        var resolver = new NextHopResolver([closed], TimeSpan.FromMilliseconds(500));
        NextHopResult result = await resolver.ResolveMxAsync("pref.test", CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Deferred, result.Failure!.Outcome);
        Assert.Equal("4.4.3", result.Failure.Status);
    }

    [Fact]
    public async Task ThrowsOnlyWhenCancelled()
    {
        using var silent = new SilentServer();
        var resolver = new NextHopResolver([silent.EndPoint], TimeSpan.FromSeconds(10));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resolver.ResolveMxAsync("pref.test", cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public void NamesAHopLikePostfix() =>
        Assert.Equal("mx.test[2001:db8::1]:25", new NextHop("mx.test", IPAddress.Parse("2001:db8::1"), 25).ToString());

    /// <summary>A real dnsmasq on 127.0.0.1 and a free high port with the MX zone of these tests (TOOLCHAIN.md §3.4,
    /// gotcha 17); started the way <see cref="Postmaster.Tests.Dns.Dnsmasq"/> starts its own, whose zone is fixed.</summary>
    public sealed class Zone : Dnsmasq
    {
        static readonly string[] Records =
        [
            "--mx-host=pref.test,b.hosts.test,20", "--mx-host=pref.test,a.hosts.test,10",
            "--mx-host=equal.test,e3.hosts.test,20", "--mx-host=equal.test,e2.hosts.test,10", "--mx-host=equal.test,e1.hosts.test,10",
            "--mx-host=partial.test,ghost.hosts.test,5", "--mx-host=partial.test,b.hosts.test,10",
            "--mx-host=ghosts.test,ghost.hosts.test,10", "--mx-host=ghosts.test,empty.hosts.test,20",
            "--mx-host=shared.test,a.hosts.test,10", "--mx-host=shared.test,c.hosts.test,20",
            // RFC 7505 null MX: dnsmasq serves "." as the root name, preference 0.
            "--mx-host=nullmx.test,.,0",
            "--mx-host=nullplus.test,.,0", "--mx-host=nullplus.test,b.hosts.test,10",
            "--host-record=a.hosts.test,127.0.0.2,::1", "--host-record=b.hosts.test,127.0.0.3",
            "--host-record=c.hosts.test,127.0.0.2,2001:db8::c",
            "--host-record=e1.hosts.test,127.0.0.11", "--host-record=e2.hosts.test,127.0.0.12",
            "--host-record=e3.hosts.test,127.0.0.13",
            "--host-record=multi.hosts.test,127.0.0.21,::1", "--host-record=multi.hosts.test,127.0.0.22",
            "--txt-record=empty.hosts.test,no addresses here",
            "--host-record=implicit.test,127.0.0.5,::1", "--txt-record=nothing.test,no mail here",
        ];

        public Zone() : base(Records, "a.hosts.test")
        {
        }
    }

    /// <summary>A UDP port on 127.0.0.1 that reads nothing and answers nothing: a DNS server that has gone away.</summary>
    internal sealed class SilentServer : IDisposable
    {
        readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        public SilentServer() => socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        public IPEndPoint EndPoint => (IPEndPoint)socket.LocalEndPoint!;

        public void Dispose() => socket.Dispose();
    }

    /// <summary>A DNS server on 127.0.0.1 that answers every query with SERVFAIL (dnsmasq cannot be made to): the
    /// query sent back with QR set and RCODE 2 (RFC 1035 §4.1.1).</summary>
    internal sealed class ServfailServer : IDisposable
    {
        readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        readonly Task loop;

        public ServfailServer()
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            loop = Task.Run(AnswerAsync);
        }

        public IPEndPoint EndPoint => (IPEndPoint)socket.LocalEndPoint!;

        async Task AnswerAsync()
        {
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    SocketReceiveFromResult query = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0));
                    if (query.ReceivedBytes < 12)
                        continue;
                    byte[] reply = buffer[..query.ReceivedBytes];
                    reply[2] = (byte)(0x80 | (reply[2] & 0x79));   // QR, the query's opcode and RD
                    reply[3] = 0x82;                                // RA, RCODE 2 = SERVFAIL
                    await socket.SendToAsync(reply, query.RemoteEndPoint);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // closed by Dispose
            }
        }

        public void Dispose()
        {
            socket.Dispose();
            loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
