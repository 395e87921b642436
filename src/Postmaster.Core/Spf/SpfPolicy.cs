using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Postmaster.Config;
using Postmaster.Policy;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Spf;

/// <summary>The <c>spf</c> setting as a session policy, asked at MAIL FROM. <c>tag</c> adds a Received-SPF header
/// field for each identity checked; <c>reject</c> also refuses a fail with 550 5.7.23 and a temperror with
/// 451 4.7.24 (RFC 7372). A softfail, neutral, none or permerror is only tagged: softfail and neutral are the
/// domain saying "do not reject on this alone" (RFC 7208 §8.5, §8.2), and a permerror is the domain's broken
/// record, which says nothing about this client (RFC 7208 §8.7 leaves the choice to us; we accept).</summary>
/// <remarks>Trusted clients (<c>trusted-networks</c> and local submission; authenticated ones once there is AUTH)
/// may send for any domain and are not checked. Nothing is cached between messages.</remarks>
public sealed class SpfPolicy(SpfMode mode, SpfEvaluator evaluator, ILogger log, TimeSpan? timeLimit = null) : ISessionPolicy
{
    /// <summary>For all the checks of one MAIL FROM together; past it the result is a temperror.</summary>
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromSeconds(10);

    readonly TimeSpan _timeLimit = timeLimit ?? DefaultTimeLimit;

    public string Name => "spf";

    public SpfMode Mode => mode;

    public bool Handles(PolicyStage stage) => stage == PolicyStage.Mail;

    public async ValueTask<PolicyVerdict> CheckAsync(SessionFacts facts, CancellationToken cancellation)
    {
        if (facts.IsTrusted)
            return PolicyVerdict.Continue;
        IPAddress client = facts.ClientAddress.IsIPv4MappedToIPv6 ? facts.ClientAddress.MapToIPv4() : facts.ClientAddress;
        long deadline = Stopwatch.GetTimestamp() + (long)(_timeLimit.TotalSeconds * Stopwatch.Frequency);
        var outcomes = new List<SpfOutcome>(2);
        SpfOutcome? decisive = null;

        // RFC 7208 §2.3: check HELO first when it is a domain name. A fail there is conclusive, and for the
        // null sender the HELO identity is the MAIL FROM identity (postmaster@HELO), so one check is enough.
        if (DomainName.IsCheckable(facts.Helo))
        {
            SpfOutcome helo = await CheckAsync(new SpfQuery(client, facts.Helo, facts.Sender, SpfIdentity.Helo), facts, deadline, cancellation);
            outcomes.Add(helo);
            if (helo.Result == SpfResult.Fail || facts.Sender is null)
                decisive = helo;
        }
        if (decisive is null)
        {
            SpfOutcome mailFrom = await CheckAsync(new SpfQuery(client, facts.Helo, facts.Sender, SpfIdentity.MailFrom), facts, deadline, cancellation);
            outcomes.Add(mailFrom);
            decisive = mailFrom;
        }

        if (mode == SpfMode.Reject && decisive.Result == SpfResult.Fail)
            return PolicyVerdict.Reject(FailReply(decisive));
        if (mode == SpfMode.Reject && decisive.Result == SpfResult.TempError)
            return PolicyVerdict.Defer(TempErrorReply(decisive));
        return PolicyVerdict.ContinueWith([.. outcomes.Select(o => ReceivedSpfHeader.Format(o, evaluator.Receiver))]);
    }

    async Task<SpfOutcome> CheckAsync(SpfQuery query, SessionFacts facts, long deadline, CancellationToken cancellation)
    {
        SpfOutcome outcome = await evaluator.CheckAsync(query, deadline, cancellation);
        SpfLog.Checked(log, facts.SessionId, ReceivedSpfHeader.Keyword(outcome.Result),
            query.Identity == SpfIdentity.Helo ? "helo" : "mailfrom", query.Domain ?? "-", outcome.Problem ?? "",
            outcome.Queries, (long)outcome.Elapsed.TotalMilliseconds, facts.IsLocal ? "local" : facts.ClientAddress.ToString());
        return outcome;
    }

    /// <summary>RFC 7372 X.7.23 "SPF validation failed"; RFC 7208 §8.4 asks for 550.</summary>
    public static Reply FailReply(SpfOutcome outcome) =>
        new(550, "5.7.23", $"SPF check failed: domain of {outcome.Query.IdentityText} does not designate " +
            $"{outcome.Query.Client} as permitted sender");

    /// <summary>RFC 7372 X.7.24 "SPF validation error"; RFC 7208 §8.6 asks for a 451 when rejecting a temperror.</summary>
    public static Reply TempErrorReply(SpfOutcome outcome) =>
        new(451, "4.7.24", $"SPF check of {outcome.Query.IdentityText} failed temporarily ({outcome.Problem ?? "DNS"}); try again later");
}
