using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Postmaster.Dns;
using Xunit;

namespace Postmaster.Tests.Dns;

public sealed class DnsResolverTests(Dnsmasq dnsmasq) : IClassFixture<Dnsmasq>
{
    DnsResolver Resolver(TimeSpan? timeout = null) => new([dnsmasq.EndPoint], timeout ?? TimeSpan.FromSeconds(2));

    [Fact]
    public async Task GivesTheNameOfAForwardConfirmedPtr() =>
        Assert.Equal("mail.test", await Resolver().ReverseLookupAsync(Dnsmasq.Confirmed, CancellationToken.None));

    [Fact]
    public async Task ConfirmsIpv6AddressesThroughAaaaRecords() =>
        Assert.Equal("mail.test", await Resolver().ReverseLookupAsync(Dnsmasq.ConfirmedV6, CancellationToken.None));

    [Fact]
    public async Task LooksUpIpv4MappedAddressesAsIpv4() =>
        Assert.Equal("mail.test", await Resolver().ReverseLookupAsync(Dnsmasq.Confirmed.MapToIPv6(), CancellationToken.None));

    [Fact]
    public async Task GivesNullWhenThePtrNameResolvesToAnotherAddress() =>
        Assert.Null(await Resolver().ReverseLookupAsync(Dnsmasq.PointsElsewhere, CancellationToken.None));

    [Fact]
    public async Task GivesNullWhenThePtrNameDoesNotResolve() =>
        Assert.Null(await Resolver().ReverseLookupAsync(Dnsmasq.NameDoesNotResolve, CancellationToken.None));

    [Fact]
    public async Task GivesNullWithoutAPtr() =>
        Assert.Null(await Resolver().ReverseLookupAsync(Dnsmasq.NoPtr, CancellationToken.None));

    [Fact]
    public async Task GivesNullWithinTheTimeoutWhenTheServerPortIsClosed()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        var timeout = TimeSpan.FromSeconds(1);
        var resolver = new DnsResolver([new IPEndPoint(IPAddress.Loopback, port)], timeout);
        await WarmUpAsync();
        var clock = Stopwatch.StartNew();
        Assert.Null(await resolver.ReverseLookupAsync(Dnsmasq.Confirmed, CancellationToken.None));
        Assert.True(clock.Elapsed < timeout + TimeSpan.FromMilliseconds(500), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task GivesNullWhenTheServerNeverAnswers()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var timeout = TimeSpan.FromMilliseconds(300);
        var resolver = new DnsResolver([(IPEndPoint)silent.LocalEndPoint!], timeout);
        await WarmUpAsync();
        var clock = Stopwatch.StartNew();
        Assert.Null(await resolver.ReverseLookupAsync(Dnsmasq.Confirmed, CancellationToken.None));
        // The timeout bounds the whole lookup, retry included.
        Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(50), $"took {clock.Elapsed}");
        Assert.True(clock.Elapsed < timeout + TimeSpan.FromMilliseconds(500), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task ThrowsOnlyWhenCancelled()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var resolver = new DnsResolver([(IPEndPoint)silent.LocalEndPoint!], TimeSpan.FromSeconds(10));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await WarmUpAsync();
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resolver.ReverseLookupAsync(Dnsmasq.Confirmed, cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    /// <summary>The timing tests measure the resolver, not the JIT compiling DnsClient on first use.</summary>
    Task WarmUpAsync() => Resolver().ReverseLookupAsync(Dnsmasq.Confirmed, CancellationToken.None);

    [Fact]
    public void UsesTheSystemResolversWhenGivenNone() =>
        _ = new DnsResolver(ImmutableArray<IPEndPoint>.Empty, TimeSpan.FromSeconds(1));
}
