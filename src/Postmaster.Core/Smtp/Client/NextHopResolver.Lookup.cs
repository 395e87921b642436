using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace Postmaster.Smtp.Client;

// The DNS questions: each answer, NXDOMAIN, SERVFAIL or silence becomes a Lookup value.
public sealed partial class NextHopResolver
{
    enum LookupKind { Answered, NoSuchDomain, BadName, Trouble }

    /// <summary>What one question came to; <paramref name="Reason"/> says it in a few words for diagnostics.</summary>
    readonly record struct Lookup(LookupKind Kind, IReadOnlyList<DnsResourceRecord> Records, string Reason);

    /// <summary>A host's usable addresses (IPv6 first) or, when there are none, why (<see cref="Reason"/>).</summary>
    readonly record struct HostAddresses(string Host, ImmutableArray<IPAddress> Addresses, LookupKind Kind, string Reason)
    {
        public static HostAddresses Literal(string host, IPAddress address) =>
            IsUnusable(address) ? new(host, [], LookupKind.BadName, "not an address to connect to")
                : new(host, [address], LookupKind.Answered, "");
    }

    /// <summary>AAAA and A of <paramref name="host"/>, asked at the same time.</summary>
    async Task<HostAddresses> AddressesAsync(string name, CancellationToken cancellationToken)
    {
        string host = name.EndsWith('.') ? name[..^1] : name;
        if (!IsDomainName(host))
            return new(host, [], LookupKind.BadName, "not a valid host name");
        Task<Lookup> aaaa = QueryAsync(host, QueryType.AAAA, cancellationToken), a = QueryAsync(host, QueryType.A, cancellationToken);
        Lookup[] both = await Task.WhenAll(aaaa, a).ConfigureAwait(false);
        ImmutableArray<IPAddress> addresses =
        [
            .. both[0].Records.OfType<AaaaRecord>().Select(r => r.Address).Where(x => x.AddressFamily == AddressFamily.InterNetworkV6),
            .. both[1].Records.OfType<ARecord>().Select(r => r.Address).Where(x => x.AddressFamily == AddressFamily.InterNetwork),
        ];
        addresses = [.. addresses.Where(x => !IsUnusable(x))];
        if (!addresses.IsEmpty)
            return new(host, addresses, LookupKind.Answered, "");
        if (both.FirstOrDefault(l => l.Kind == LookupKind.Trouble) is { Kind: LookupKind.Trouble } trouble)
            return new(host, [], LookupKind.Trouble, trouble.Reason);
        if (both.Any(l => l.Kind == LookupKind.BadName))
            return new(host, [], LookupKind.BadName, "not a valid host name");
        if (both.All(l => l.Kind == LookupKind.NoSuchDomain))
            return new(host, [], LookupKind.NoSuchDomain, "domain not found (NXDOMAIN)");
        return new(host, [], LookupKind.Answered, "no A or AAAA records");
    }

    /// <exception cref="OperationCanceledException">only when <paramref name="cancellationToken"/> is cancelled.</exception>
    async Task<Lookup> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        try
        {
            IDnsQueryResponse response = await Dns.DnsLookup.Within(client.QueryAsync(name, type, QueryClass.IN, cancellationToken), cancellationToken)
                .ConfigureAwait(false);
            return response.Header.ResponseCode switch
            {
                DnsHeaderResponseCode.NoError => new(LookupKind.Answered, response.Answers, ""),
                DnsHeaderResponseCode.NotExistentDomain => new(LookupKind.NoSuchDomain, [], "domain not found (NXDOMAIN)"),
                DnsHeaderResponseCode.ServerFailure => new(LookupKind.Trouble, [], "server failure (SERVFAIL)"),
                DnsHeaderResponseCode.Refused => new(LookupKind.Trouble, [], "query refused (REFUSED)"),
                DnsHeaderResponseCode code => new(LookupKind.Trouble, [], $"DNS error {code}"),
            };
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // DnsClient may report a cancellation as a failed query; the caller asked for an exception.
            throw new OperationCanceledException(cancellationToken);
        }
        catch (ArgumentException)
        {
            // DnsClient refuses to encode the name (empty label, label over 63 octets, ...): no DNS trouble,
            // the name is wrong.
            return new(LookupKind.BadName, [], "not a valid domain name");
        }
        catch (DnsResponseException e) when (e.Code == DnsResponseCode.ConnectionTimeout)
        {
            return new(LookupKind.Trouble, [], "no answer from the DNS server (timed out)");
        }
        catch (Exception e)
        {
            // Unreachable servers, malformed answers, sockets: all DNS trouble, all temporary.
            return new(LookupKind.Trouble, [], e is DnsResponseException d ? $"DNS error {d.Code}: {d.Message}" : e.Message);
        }
    }

    /// <summary>0.0.0.0 and :: connect to this host on Linux, and multicast is no mail server: a DNS answer
    /// or literal naming them is skipped rather than tried.</summary>
    static bool IsUnusable(IPAddress address) =>
        address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.IsIPv6Multicast
        || (address.AddressFamily == AddressFamily.InterNetwork && (address.GetAddressBytes()[0] & 0xF0) == 0xE0)
        || address.Equals(IPAddress.Broadcast);

    static bool IsRoot(DnsString name) => name.Value is "." or "";

    /// <summary>The name without its trailing dot, as configuration and TLS checks write it.</summary>
    static string HostName(DnsString name) => name.Value.TrimEnd('.');
}
