using System.Collections.Immutable;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Postmaster.Routing;

namespace Postmaster.Smtp.Client;

/// <summary>Where a <c>relay</c> target sends mail: the smart hosts of <c>relay(h1, h2:587)</c> in the given
/// order, or the recipient domain's MX hosts for a bare <c>relay</c> (RFC 5321 §5.1), each resolved to all of its
/// addresses. DNS trouble comes back as a deferral and a domain that cannot take mail as a permanent failure,
/// both in the <see cref="NextHopResult"/>: this class throws only when the caller cancels.</summary>
/// <remarks>Addresses of one host come IPv6 first, then IPv4 (RFC 6724's default preference), each family in
/// the server's order; every address of a host comes before the next host. An address already listed for an
/// earlier host is not repeated. Worst case, a resolution takes four query timeouts (MX, then the hosts' A and
/// AAAA queries in parallel, each with one retry).</remarks>
public sealed partial class NextHopResolver
{
    readonly LookupClient client;
    readonly Random random;

    /// <param name="servers">The <c>dns-servers</c> setting; empty: the system's resolvers (/etc/resolv.conf).</param>
    /// <param name="timeout">For one query attempt.</param>
    /// <param name="random">Orders MX hosts of equal preference; <see cref="Random.Shared"/> unless a test fixes it.</param>
    public NextHopResolver(ImmutableArray<IPEndPoint> servers, TimeSpan timeout, Random? random = null)
    {
        client = Dns.DnsLookup.CreateClient(servers, timeout);
        this.random = random ?? Random.Shared;
    }

    /// <summary>The port of MX hosts and address literals: 25 (RFC 5321 §2.3.5); tests run their MX hosts on
    /// another, since 25 needs root and may be taken.</summary>
    internal int MxPort { get; init; } = RelayHost.SmtpPort;

    /// <summary>The next hops of <paramref name="relay"/> for a recipient in <paramref name="domain"/>
    /// (which only MX delivery looks at).</summary>
    /// <exception cref="OperationCanceledException">only when <paramref name="cancellationToken"/> is cancelled.</exception>
    public Task<NextHopResult> ResolveAsync(Target.Relay relay, string domain, CancellationToken cancellationToken) =>
        relay.UsesMx ? ResolveMxAsync(domain, cancellationToken) : ResolveHostsAsync(relay.Hosts, cancellationToken);

    /// <summary>Smart hosts in the given order with their ports; IP literals as they are. A host without
    /// addresses is skipped; when none is left the result is a deferral (a configuration or DNS problem here,
    /// never a reason to bounce).</summary>
    public async Task<NextHopResult> ResolveHostsAsync(ImmutableArray<RelayHost> hosts, CancellationToken cancellationToken)
    {
        var lookups = hosts.Select(host => IPAddress.TryParse(host.Host, out IPAddress? address)
            ? Task.FromResult(HostAddresses.Literal(host.Host, address))
            : AddressesAsync(host.Host, cancellationToken)).ToArray();
        HostAddresses[] found = await Task.WhenAll(lookups).ConfigureAwait(false);
        ImmutableArray<NextHop> hops = Hops(found.Select((h, i) => (h, hosts[i].Port)));
        return hops.IsEmpty ? NoAddresses("no smart host has an address", found) : NextHopResult.Found(hops);
    }

    /// <summary>RFC 5321 §5.1 for <paramref name="domain"/>: an address literal as it is; else the MX hosts in
    /// preference order, equal preferences shuffled; without MX records the domain itself (the implicit MX).</summary>
    public async Task<NextHopResult> ResolveMxAsync(string domain, CancellationToken cancellationToken)
    {
        if (domain.StartsWith('['))
            return AddressLiteral(domain);
        string name = domain.EndsWith('.') ? domain[..^1] : domain;
        if (!IsDomainName(name))
            return NextHopResult.Failed("5.1.2", $"\"{domain}\" is not a valid domain name");

        Lookup mx = await QueryAsync(name, QueryType.MX, cancellationToken).ConfigureAwait(false);
        switch (mx.Kind)
        {
            case LookupKind.NoSuchDomain:
                return NextHopResult.Failed("5.1.2", $"{name}: domain not found (NXDOMAIN)");
            case LookupKind.BadName:
                return NextHopResult.Failed("5.1.2", $"\"{name}\" is not a valid domain name");
            case LookupKind.Trouble:
                return NextHopResult.Deferred("4.4.3", $"{name}: MX lookup failed: {mx.Reason}");
        }

        MxRecord[] records = [.. mx.Records.OfType<MxRecord>()];
        if (records.Length == 0)
            return await ImplicitMxAsync(name, cancellationToken).ConfigureAwait(false);
        // RFC 7505 §3: a single MX with preference 0 and the root as exchange says the domain takes no mail.
        if (records is [{ Preference: 0 } only] && IsRoot(only.Exchange))
            return NextHopResult.Failed("5.1.10", $"{name}: domain does not accept mail (RFC 7505 null MX)");

        string[] exchanges = OrderedExchanges(records);
        HostAddresses[] found = await Task.WhenAll(exchanges.Select(h => AddressesAsync(h, cancellationToken))).ConfigureAwait(false);
        ImmutableArray<NextHop> hops = Hops(found.Select(h => (h, MxPort)));
        return hops.IsEmpty ? NoAddresses($"{name}: no MX host has an address", found) : NextHopResult.Found(hops);
    }

    /// <summary>RFC 5321 §5.1: without MX records the domain is its own MX host, with preference 0.</summary>
    async Task<NextHopResult> ImplicitMxAsync(string name, CancellationToken cancellationToken)
    {
        HostAddresses own = await AddressesAsync(name, cancellationToken).ConfigureAwait(false);
        if (!own.Addresses.IsEmpty)
            return NextHopResult.Found(Hops([(own, MxPort)]));
        // A domain that exists but has neither MX nor address records will not get any: bounce, as Postfix does
        // (5.4.4). DNS trouble is another matter.
        return own.Kind == LookupKind.Trouble
            ? NextHopResult.Deferred("4.4.3", $"{name}: no MX records, and the A/AAAA lookup failed: {own.Reason}")
            : NextHopResult.Failed("5.4.4", $"{name}: no MX records and {own.Reason}");
    }

    /// <summary>Exchanges by ascending preference, those of equal preference in random order (RFC 5321 §5.1),
    /// each once; the root (a null MX among others, which RFC 7505 §3 forbids) is no host and is left out.</summary>
    string[] OrderedExchanges(MxRecord[] records)
    {
        var result = new List<string>();
        foreach (var group in records.GroupBy(r => r.Preference).OrderBy(g => g.Key))
        {
            // Sorted first so that a seeded Random gives the same order whatever order the server used.
            string[] hosts = [.. group.Where(r => !IsRoot(r.Exchange)).Select(r => HostName(r.Exchange))
                .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase)];
            lock (random)
                random.Shuffle(hosts);
            result.AddRange(hosts.Where(h => !result.Contains(h, StringComparer.OrdinalIgnoreCase)));
        }
        return [.. result];
    }

    /// <summary>RFC 5321 §4.1.3: <c>[192.0.2.1]</c> or <c>[IPv6:2001:db8::1]</c>, delivered to that address on port 25.</summary>
    NextHopResult AddressLiteral(string domain)
    {
        string inner = domain.EndsWith(']') ? domain[1..^1] : "";
        IPAddress? address = null;
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(inner.AsSpan(5), out IPAddress? v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                && !inner.Contains('%'))
                address = v6;
        }
        else if (IsDottedQuad(inner))
            address = IPAddress.Parse(inner);
        return address is null || IsUnusable(address)
            ? NextHopResult.Failed("5.1.2", $"bad address literal {domain}")
            : NextHopResult.Found([new NextHop(address.ToString(), address, MxPort)]);
    }

    /// <summary>RFC 5321 §4.1.3 IPv4-address-literal: four decimal numbers of 1-3 digits (IPAddress.TryParse also
    /// takes "1" or "0x7f.1", which are no such thing).</summary>
    static bool IsDottedQuad(string text)
    {
        string[] parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p) <= 255);
    }

    /// <summary>RFC 1035 §2.3.4 limits: labels of 1-63 characters, 253 in all; letters (U-labels too, which
    /// DnsClient converts), digits, hyphens and underscores. DnsClient itself would send "a..b" or "a b" as asked.</summary>
    static bool IsDomainName(string name) =>
        name.Length is > 0 and <= 253
        && name.Split('.').All(label => label.Length is > 0 and <= 63 && label.All(c => char.IsLetterOrDigit(c) || c is '-' or '_'));

    /// <summary>The hops of each host in turn, with its port, leaving out addresses already listed.</summary>
    static ImmutableArray<NextHop> Hops(IEnumerable<(HostAddresses Host, int Port)> hosts)
    {
        var hops = ImmutableArray.CreateBuilder<NextHop>();
        foreach ((HostAddresses host, int port) in hosts)
            foreach (IPAddress address in host.Addresses)
                if (!hops.Any(h => h.Address.Equals(address) && h.Port == port))
                    hops.Add(new NextHop(host.Host, address, port));
        return hops.ToImmutable();
    }

    /// <summary>A deferral naming every host and what its lookup gave: 4.4.3 when DNS failed for any, else 4.4.4
    /// (the names resolve to nothing, which may be fixed before the queue gives up).</summary>
    static NextHopResult NoAddresses(string what, HostAddresses[] hosts)
    {
        string status = hosts.Any(h => h.Kind == LookupKind.Trouble) ? "4.4.3" : "4.4.4";
        string details = hosts.Length == 0 ? "none listed" : string.Join("; ", hosts.Select(h => $"{h.Host}: {h.Reason}"));
        return NextHopResult.Deferred(status, $"{what} ({details})");
    }
}
