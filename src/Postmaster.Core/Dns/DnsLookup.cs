using System.Collections.Immutable;
using System.Net;
using DnsClient;

namespace Postmaster.Dns;

/// <summary>The DnsClient set-up every lookup of Postmaster shares (reverse names, MX and next hops), so the
/// <c>dns-servers</c> setting and the error handling mean the same everywhere.</summary>
internal static class DnsLookup
{
    /// <param name="servers">The <c>dns-servers</c> setting; empty: the system's resolvers (/etc/resolv.conf).</param>
    /// <param name="timeout">For one query attempt.</param>
    /// <param name="cache">Keep answers for their TTL (SPF asks afresh for every message).</param>
    public static LookupClient CreateClient(ImmutableArray<IPEndPoint> servers, TimeSpan timeout, bool cache = true)
    {
        LookupClientOptions options = servers.IsDefaultOrEmpty
            ? new LookupClientOptions()
            : new LookupClientOptions([.. servers.Select(s => new NameServer(s))]);
        options.UseCache = cache;
        options.Retries = 1;
        options.Timeout = timeout;
        options.ThrowDnsErrors = false;     // NXDOMAIN and SERVFAIL come back as response codes, not as exceptions
        return new LookupClient(options);
    }

    /// <summary>The query's answer, or OperationCanceledException as soon as <paramref name="ct"/> fires: DnsClient
    /// notices cancellation only between attempts, and the caller must not wait for that.</summary>
    public static async Task<IDnsQueryResponse> Within(Task<IDnsQueryResponse> query, CancellationToken ct)
    {
        try
        {
            return await query.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!query.IsCompleted)
        {
            // Abandoned; observe its eventual failure so it is not reported as unobserved.
            _ = query.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }
}
