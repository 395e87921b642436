using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Postmaster.Config;
using Postmaster.Delivery;
using Postmaster.Mail;
using Postmaster.Routing;
using Postmaster.Smtp.Client;

namespace Postmaster.Verification;

/// <summary>Asks a relay target's next hop whether it would take a recipient (connect, EHLO, STARTTLS and AUTH as
/// for delivery, <c>MAIL FROM:&lt;&gt;</c>, <c>RCPT TO</c>, QUIT), and remembers the answer: the machinery of
/// <c>verify-recipients on</c>, shared by every configuration the daemon loads.</summary>
/// <remarks>
/// <para>A verification never holds a client longer than <see cref="TimeLimit"/>, waiting for a free place
/// included: at most <see cref="MaxProbes"/> next hops are asked at once. Two sessions asking about the same
/// recipient at the same time share one question.</para>
/// <para>Answers are cached by target and recipient: a 2xx for <c>verify-cache-positive</c>, a 5xx (or a domain
/// that takes no mail) for <c>verify-cache-negative</c>. A 4xx or silence is not cached, but a target whose next
/// hops could not be reached at all is not asked again for <see cref="UnreachableMemory"/>, so that a dead next hop
/// does not cost every client the whole time limit.</para>
/// </remarks>
public sealed class RecipientVerifier
{
    public const int DefaultMaxProbes = 20;
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan UnreachableMemory = TimeSpan.FromMinutes(1);

    /// <summary>Next hops tried per question before giving up: the time limit would not allow many more.</summary>
    const int MaxHops = 3;

    readonly NextHopResolver _nextHops;
    readonly RelayCredentials? _credentials;
    readonly TimeProvider _time;
    readonly ILogger _log;
    readonly SemaphoreSlim _probes;
    readonly Dictionary<string, Task<VerificationResult>> _inFlight = new(StringComparer.Ordinal);
    readonly Dictionary<string, DateTimeOffset> _unreachable = new(StringComparer.Ordinal);

    /// <param name="timeouts">The client's timeouts for one question; by default every step may take the whole
    /// time limit and the TCP connection half of it (so a second next hop still has a chance).</param>
    public RecipientVerifier(NextHopResolver nextHops, RelayCredentials? credentials, TimeProvider time, ILogger log,
        int maxProbes = DefaultMaxProbes, TimeSpan? timeLimit = null, ClientTimeouts? timeouts = null)
    {
        _nextHops = nextHops;
        _credentials = credentials;
        _time = time;
        _log = log;
        MaxProbes = maxProbes;
        _probes = new SemaphoreSlim(maxProbes);
        TimeLimit = timeLimit ?? DefaultTimeLimit;
        Timeouts = timeouts ?? ClientTimeouts.All(TimeLimit) with { Connect = TimeLimit / 2 };
        Cache = new VerificationCache(time);
    }

    public int MaxProbes { get; }
    public TimeSpan TimeLimit { get; }
    public ClientTimeouts Timeouts { get; }
    public VerificationCache Cache { get; }

    /// <summary>What <paramref name="relay"/>'s next hop says about <paramref name="recipient"/>, from the cache or
    /// by asking; <paramref name="settings"/> give our name for EHLO and the cache times.</summary>
    /// <exception cref="OperationCanceledException">only when <paramref name="cancellationToken"/> is cancelled.</exception>
    public Task<VerificationResult> VerifyAsync(Target.Relay relay, Mailbox recipient, Settings settings, CancellationToken cancellationToken)
    {
        string key = $"{relay} {recipient.Key}";
        if (Cache.Find(key) is { } cached)
            return Task.FromResult(cached);
        string destination = relay.UsesMx ? $"{relay} {recipient.Domain}" : relay.ToString();
        Task<VerificationResult> question;
        lock (_inFlight)
        {
            if (_unreachable.TryGetValue(destination, out DateTimeOffset until))
            {
                if (until > _time.GetUtcNow())
                    return Task.FromResult(VerificationResult.Unknown("the next hop did not answer a moment ago", unreachable: true));
                _unreachable.Remove(destination);
            }
            if (!_inFlight.TryGetValue(key, out question!))
                _inFlight[key] = question = AskAndRememberAsync(key, destination, relay, recipient, settings);
        }
        // The question is shared and bounded by its own time limit; this caller may stop waiting for it.
        return question.WaitAsync(cancellationToken);
    }

    async Task<VerificationResult> AskAndRememberAsync(string key, string destination, Target.Relay relay, Mailbox recipient, Settings settings)
    {
        await Task.Yield();   // the caller's lock is not held while we work
        var clock = Stopwatch.StartNew();
        VerificationResult result;
        try
        {
            result = await AskAsync(relay, recipient, settings.Hostname);
        }
        catch (Exception e)
        {
            result = VerificationResult.Unknown($"verification failed: {e.Message}");   // a bug; the client is not to pay for it
        }
        VerificationLog.Probed(_log, recipient.ToString(), result.Via.Length == 0 ? "-" : result.Via, result.Status.ToString().ToLowerInvariant(),
            result.Text, clock.ElapsedMilliseconds);
        switch (result.Status)
        {
            case VerificationStatus.Accepted:
                Cache.Remember(key, result, settings.VerifyCachePositive);
                break;
            case VerificationStatus.Rejected:
                Cache.Remember(key, result, settings.VerifyCacheNegative);
                break;
        }
        lock (_inFlight)
        {
            _inFlight.Remove(key);
            if (result.Unreachable)
                _unreachable[destination] = _time.GetUtcNow() + UnreachableMemory;
        }
        return result;
    }

    async Task<VerificationResult> AskAsync(Target.Relay relay, Mailbox recipient, string hostName)
    {
        using var limit = new CancellationTokenSource(TimeLimit, _time);
        try
        {
            await _probes.WaitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            return VerificationResult.Unknown($"too many verifications at once (more than {MaxProbes})");
        }
        long asking = _time.GetTimestamp();
        try
        {
            return await AskNextHopsAsync(relay, recipient, hostName, limit.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            // The limit counts the wait for a free slot too: only a hop that had at least half of it to answer
            // and did not is taken for unreachable, not one that a queue of other questions left no time.
            bool hadTime = _time.GetElapsedTime(asking) >= TimeLimit / 2;
            return VerificationResult.Unknown($"no answer within {TimeLimit.TotalSeconds:0.###} s", unreachable: hadTime);
        }
        finally
        {
            _probes.Release();
        }
    }

    async Task<VerificationResult> AskNextHopsAsync(Target.Relay relay, Mailbox recipient, string hostName, CancellationToken cancellationToken)
    {
        NextHopResult route = await _nextHops.ResolveAsync(relay, recipient.Domain, cancellationToken);
        if (route.Failure is { Outcome: DeliveryOutcome.Failed } nowhere)
            return new VerificationResult(VerificationStatus.Rejected, nowhere.Status, nowhere.Diagnostic, "");
        if (route.Failure is { } trouble)
            return VerificationResult.Unknown(trouble.Diagnostic);

        var common = new SmtpClientOptions(hostName) { Timeouts = Timeouts };
        string problem = "no next hop";
        foreach (NextHop hop in route.Hops.Take(MaxHops))
        {
            (SmtpRelayClient? client, ConnectResult connected) =
                await SmtpRelayClient.OpenAsync(hop, common.For(relay, hop, _credentials), _log, cancellationToken);
            if (client is null)
            {
                problem = connected.Problem?.Diagnostic ?? connected.ToString();
                continue;
            }
            RecipientCheck check;
            try
            {
                check = await client.CheckRecipientAsync(recipient, cancellationToken);
            }
            finally
            {
                _ = QuitQuietlyAsync(client);   // the client has its answer; the goodbye need not hold it up
            }
            if (check.Rcpt is { } rcpt)
            {
                string via = hop.ToString();
                return rcpt.Code switch
                {
                    >= 200 and < 300 => new VerificationResult(VerificationStatus.Accepted, "2.1.5", rcpt.ToString(), via),
                    >= 500 => new VerificationResult(VerificationStatus.Rejected, "5.1.1", rcpt.ToString(), via),
                    _ => VerificationResult.Unknown(rcpt.ToString(), via),
                };
            }
            problem = $"{hop}: {check}";   // MAIL FROM:<> refused, or the connection broke: another hop may answer
        }
        return VerificationResult.Unknown(problem, unreachable: true);
    }

    async Task QuitQuietlyAsync(SmtpRelayClient client)
    {
        using var limit = new CancellationTokenSource(TimeLimit, _time);
        try
        {
            await client.QuitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await client.DisposeAsync();
        }
    }
}
