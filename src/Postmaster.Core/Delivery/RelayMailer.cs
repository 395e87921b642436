using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Postmaster.Routing;
using Postmaster.Smtp.Client;
using Postmaster.Spool;

namespace Postmaster.Delivery;

/// <summary>Delivers to a <c>relay(...)</c> target over SMTP: the smart hosts in order, or the recipient domain's
/// MX hosts, moving on to the next host when one cannot be reached or will not talk (DESIGN.md §4).</summary>
/// <remarks>
/// <para>The recipients of one message that go to the same next hop go in one transaction (up to
/// <see cref="MaxRecipientsPerTransaction"/>; more, and those a server refuses with 452 beyond its own limit, in
/// further transactions), and messages for the same next hop share connections through the
/// <see cref="SmtpConnectionPool"/> (RSET between them).</para>
/// <para>The target's options choose the TLS policy and whether AUTH may go without TLS; a next hop named in
/// <c>relay-credentials</c> gets AUTH.</para>
/// </remarks>
public sealed class RelayMailer : IAsyncDisposable
{
    /// <summary>RFC 5321 §4.5.3.1.8: every server must take 100 recipients in one transaction.</summary>
    public const int MaxRecipientsPerTransaction = 100;

    readonly NextHopResolver _nextHops;
    readonly Func<SmtpClientOptions> _options;
    readonly ILogger _log;
    readonly RelayCredentials? _credentials;
    readonly SmtpConnectionPool _pool;
    readonly bool _ownsPool;

    /// <param name="options">Our name and timeouts, asked for each delivery (the name may change on reload); the
    /// target's options and the credentials are applied on top.</param>
    /// <param name="pool">Shared connections; by default one of this mailer's own, closed when it is disposed.</param>
    public RelayMailer(NextHopResolver nextHops, Func<SmtpClientOptions> options, ILogger log, RelayCredentials? credentials = null,
        SmtpConnectionPool? pool = null)
    {
        _nextHops = nextHops;
        _options = options;
        _log = log;
        _credentials = credentials;
        _ownsPool = pool is null;
        _pool = pool ?? new SmtpConnectionPool(logger: log);
    }

    /// <summary>One recipient alone.</summary>
    public async Task<DeliveryResult> DeliverAsync(Target.Relay relay, Envelope envelope, EnvelopeRecipient recipient,
        string messagePath, CancellationToken cancellationToken) =>
        (await DeliverAsync(relay, envelope, [recipient], messagePath, cancellationToken))[0];

    /// <summary>Delivers to every one of <paramref name="recipients"/>, all of <paramref name="relay"/>; returns one
    /// result per recipient, in their order.</summary>
    public async Task<ImmutableArray<DeliveryResult>> DeliverAsync(Target.Relay relay, Envelope envelope,
        ImmutableArray<EnvelopeRecipient> recipients, string messagePath, CancellationToken cancellationToken)
    {
        var results = new DeliveryResult?[recipients.Length];
        FileStream content;
        try
        {
            content = new FileStream(messagePath, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [.. recipients.Select(_ => DeliveryResult.Deferred("4.3.0", $"cannot read {messagePath}: {e.Message}"))];
        }
        await using (content)
        {
            // MX delivery: each recipient domain has its own next hops; smart hosts take every recipient.
            IEnumerable<List<int>> groups = relay.UsesMx
                ? Enumerable.Range(0, recipients.Length).GroupBy(i => recipients[i].Recipient.Domain, StringComparer.OrdinalIgnoreCase)
                    .Select(g => g.ToList())
                : [[.. Enumerable.Range(0, recipients.Length)]];
            foreach (List<int> group in groups)
                await DeliverToNextHopsAsync(relay, envelope, recipients, group, content, results, cancellationToken);
        }
        return [.. results.Select(r => r!)];
    }

    /// <summary>The hops in order until every recipient of <paramref name="group"/> has an outcome; what is left
    /// after the last hop keeps the last problem it met.</summary>
    async Task DeliverToNextHopsAsync(Target.Relay relay, Envelope envelope, ImmutableArray<EnvelopeRecipient> recipients,
        List<int> group, FileStream content, DeliveryResult?[] results, CancellationToken cancellationToken)
    {
        NextHopResult route = await _nextHops.ResolveAsync(relay, recipients[group[0]].Recipient.Domain, cancellationToken);
        if (route.Failure is { } failure)
        {
            foreach (int i in group)
                results[i] = failure;
            return;
        }
        var pending = new List<int>(group);
        var attempt = new Attempt(envelope, recipients, content, results, pending, new DeliveryResult?[recipients.Length]);
        SmtpClientOptions common = _options();
        foreach (NextHop hop in route.Hops)
        {
            if (pending.Count == 0)
                break;
            await SendAtHopAsync(hop, common.For(relay, hop, _credentials), attempt, cancellationToken);
        }
        foreach (int i in pending)
            results[i] = attempt.Last[i] ?? DeliveryResult.Deferred("4.4.1", "no next hop could be reached");
    }

    /// <summary>The state of one group's delivery: outcomes so far, who is still pending, the last problem of each.</summary>
    sealed record Attempt(Envelope Envelope, ImmutableArray<EnvelopeRecipient> Recipients, FileStream Content,
        DeliveryResult?[] Results, List<int> Pending, DeliveryResult?[] Last);

    /// <summary>Transactions with one hop until every pending recipient has an outcome, the hop has trouble (then
    /// the next hop gets the rest), or a transaction settles nothing.</summary>
    async Task SendAtHopAsync(NextHop hop, SmtpClientOptions options, Attempt attempt, CancellationToken cancellationToken)
    {
        bool fresh = false;
        while (attempt.Pending.Count > 0)
        {
            await using SmtpConnectionPool.Lease lease = await _pool.AcquireAsync(hop, options, fresh, cancellationToken);
            if (lease.Client is not { } client)
            {
                foreach (int i in attempt.Pending)
                    attempt.Last[i] = lease.Result.Problem;
                return;
            }
            int[] batch = [.. attempt.Pending.Take(MaxRecipientsPerTransaction)];
            attempt.Content.Position = 0;
            var transaction = new MessageTransaction(attempt.Envelope.Sender, [.. batch.Select(i => attempt.Recipients[i].Recipient)],
                attempt.Content, attempt.Envelope.Size, attempt.Envelope.Body);
            TransactionResult outcome = await client.SendTransactionAsync(transaction, cancellationToken);
            if (outcome.Stale && !fresh)
            {
                fresh = true;   // the server had dropped the cached connection: once more on a new one, no harm done
                continue;
            }
            fresh = false;

            bool settled = false, hostTrouble = false;
            for (int j = 0; j < batch.Length; j++)
            {
                int i = batch[j];
                DeliveryResult result = Named(outcome.Results[j], hop);
                if (outcome.OverLimit.Contains(j))
                    attempt.Last[i] = result;            // over the server's limit: in the next transaction
                else if (result.Outcome == DeliveryOutcome.Deferred && (outcome.HostRefused || IsHostTrouble(result)))
                {
                    attempt.Last[i] = result;            // for the next hop
                    hostTrouble = true;
                }
                else
                {
                    attempt.Results[i] = result;
                    attempt.Pending.Remove(i);
                    settled = true;
                }
            }
            if (hostTrouble || !settled)
                return;
        }
    }

    /// <summary>The hop's name in front of a diagnostic that does not name it yet (a remote reply, say).</summary>
    static DeliveryResult Named(DeliveryResult result, NextHop hop)
    {
        string name = hop.ToString();
        return result.Diagnostic.Contains(name, StringComparison.Ordinal) ? result : result with { Diagnostic = $"{name}: {result.Diagnostic}" };
    }

    // A connection failure or a refusal before the transaction (4.4.x network, 4.7.x TLS/AUTH trouble, and what
    // TransactionResult.HostRefused says) is the host's problem: the next host may do better. Another 4xx to the
    // recipient itself is the recipient's.
    static bool IsHostTrouble(DeliveryResult result) => result.Status.StartsWith("4.4.", StringComparison.Ordinal)
        || result.Status.StartsWith("4.7.", StringComparison.Ordinal);

    /// <summary>Closes the connections of this mailer's own pool (QUIT).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownsPool)
            await _pool.DisposeAsync();
    }
}
