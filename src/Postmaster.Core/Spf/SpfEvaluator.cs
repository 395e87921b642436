using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using DnsClient;
using Postmaster.Dns;

namespace Postmaster.Spf;

/// <summary>Runs SPF checks for the daemon: on the SPF workers, through DnsClient against the <c>dns-servers</c>
/// setting, never longer than the caller's deadline (then the answer is a temperror, not an exception).</summary>
public sealed class SpfEvaluator
{
    /// <summary>One DNS query attempt; DnsClient tries twice. A whole check is bounded by the caller's deadline.</summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(3);

    readonly ILookupClient _dns;
    readonly SpfWorkers _workers;

    /// <param name="servers">The <c>dns-servers</c> setting; empty: the system's resolvers.</param>
    /// <param name="receiver">Our host name (<c>hostname</c>): libspf2's %{r} and the Received-SPF texts.</param>
    public SpfEvaluator(ImmutableArray<IPEndPoint> servers, string receiver)
        : this(DnsLookup.CreateClient(servers, QueryTimeout, cache: false), receiver, SpfWorkers.Shared)
    {
    }

    internal SpfEvaluator(ILookupClient dns, string receiver, SpfWorkers workers)
    {
        _dns = dns;
        Receiver = receiver;
        _workers = workers;
    }

    public string Receiver { get; }

    /// <summary>Checks <paramref name="query"/>; a temperror "timeout" when <paramref name="deadline"/> (a
    /// <see cref="Stopwatch"/> timestamp) comes first.</summary>
    /// <exception cref="OperationCanceledException">Only when <paramref name="cancellation"/> (the session) ends.</exception>
    public async Task<SpfOutcome> CheckAsync(SpfQuery query, long deadline, CancellationToken cancellation)
    {
        long start = Stopwatch.GetTimestamp();
        TimeSpan left = Stopwatch.GetElapsedTime(start, deadline);
        if (left <= TimeSpan.Zero)
            return TimedOut(query, start);
        try
        {
            // The worker keeps only the deadline, a number: nothing it holds is disposed under it when we stop waiting.
            return await _workers.RunAsync(() => SpfCheck.Run(query, _dns, Receiver, deadline), deadline)
                .WaitAsync(left, cancellation).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Still queued, or libspf2 not back yet: its DNS answers are all "try again" from now on, so that
            // worker is free again soon; the client gets its answer now.
            return TimedOut(query, start);
        }
    }

    static SpfOutcome TimedOut(SpfQuery query, long start) =>
        new(query, SpfResult.TempError, "timeout", 0, Stopwatch.GetElapsedTime(start));
}
