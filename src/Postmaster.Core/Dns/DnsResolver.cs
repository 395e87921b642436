using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace Postmaster.Dns;

/// <summary>The daemon's DNS lookups through DnsClient, against the <c>dns-servers</c> setting or the system's
/// resolvers. Lookups answer "don't know" (null) rather than throw: DNS trouble must never fail an SMTP session.</summary>
public sealed class DnsResolver
{
    readonly LookupClient client;
    readonly TimeSpan timeout;

    /// <param name="servers">Empty: the system's resolvers (/etc/resolv.conf).</param>
    /// <param name="timeout">For one query attempt, and for a whole <see cref="ReverseLookupAsync"/>.</param>
    public DnsResolver(ImmutableArray<IPEndPoint> servers, TimeSpan timeout)
    {
        client = DnsLookup.CreateClient(servers, timeout);
        this.timeout = timeout;
    }

    /// <summary>The client's name for the connection's Received header and logs: the first PTR name of
    /// <paramref name="address"/>, but only if that name's A/AAAA records lead back to the address
    /// (forward-confirmed reverse DNS; a PTR record alone is whatever the address's owner wants it to say).
    /// Null when there is none, it does not confirm, or DNS fails or does not answer within the timeout,
    /// which bounds the whole lookup (both queries and the retry).</summary>
    /// <exception cref="OperationCanceledException">only when <paramref name="ct"/> is cancelled.</exception>
    public async Task<string?> ReverseLookupAsync(IPAddress address, CancellationToken ct)
    {
        // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; their PTR lives under in-addr.arpa.
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            return await ConfirmedNameAsync(address, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            // DnsClient may report a cancellation as a failed query; the caller asked for an exception.
            throw new OperationCanceledException(ct);
        }
        catch (Exception)
        {
            // Timeouts (ours or DnsClient's), unreachable servers, malformed answers or names: all mean
            // "no confirmed name", and a session must go on without one.
            return null;
        }
    }

    async Task<string?> ConfirmedNameAsync(IPAddress address, CancellationToken ct)
    {
        IDnsQueryResponse reverse = await DnsLookup.Within(client.QueryReverseAsync(address, ct), ct).ConfigureAwait(false);
        if (reverse.HasError)
            return null;
        string? name = reverse.Answers.PtrRecords().Select(r => r.PtrDomainName.Value).FirstOrDefault();
        if (string.IsNullOrEmpty(name) || name == ".")
            return null;
        name = name.TrimEnd('.');

        QueryType type = address.AddressFamily == AddressFamily.InterNetworkV6 ? QueryType.AAAA : QueryType.A;
        IDnsQueryResponse forward = await DnsLookup.Within(client.QueryAsync(name, type, cancellationToken: ct), ct).ConfigureAwait(false);
        if (forward.HasError)
            return null;
        return forward.Answers.AddressRecords().Any(r => r.Address.Equals(address)) ? name : null;
    }
}
