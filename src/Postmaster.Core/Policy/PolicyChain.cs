using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Postmaster.Smtp.Protocol;

namespace Postmaster.Policy;

/// <summary>The policies of one configuration, asked in order: the first verdict other than
/// <see cref="VerdictKind.Continue"/> wins, and the headers of every policy asked are kept.</summary>
public sealed class PolicyChain(ImmutableArray<ISessionPolicy> policies)
{
    /// <summary>Answered when a policy throws: our own trouble, so a temporary failure (RFC 5321 §4.2.5).</summary>
    public static readonly Reply PolicyFailure = new(451, "4.3.5", "Policy check failed; try again later");

    public static PolicyChain Empty { get; } = new([]);

    public ImmutableArray<ISessionPolicy> Policies { get; } = policies;

    public bool IsEmpty => Policies.IsEmpty;

    // Which stages any policy wants, worked out once per configuration: the session skips building the facts
    // for the others (with only spf, four stages of five).
    readonly bool[] _stages = [.. Enum.GetValues<PolicyStage>().Select(stage => policies.Any(p => p.Handles(stage)))];

    /// <summary>Whether any policy of the chain is asked at <paramref name="stage"/>.</summary>
    public bool Handles(PolicyStage stage) => _stages[(int)stage];

    /// <summary>Asks every policy that handles <paramref name="facts"/>' stage, in order, and logs each
    /// verdict other than continue (and every note) with the policy's name.</summary>
    public async ValueTask<PolicyVerdict> CheckAsync(SessionFacts facts, ILogger log, string client, CancellationToken cancellation)
    {
        ImmutableArray<string>.Builder? headers = null;
        foreach (ISessionPolicy policy in Policies)
        {
            if (!policy.Handles(facts.Stage))
                continue;
            PolicyVerdict verdict;
            try
            {
                verdict = await policy.CheckAsync(facts, cancellation);
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested)
            {
                PolicyLog.Failed(log, facts.SessionId, policy.Name, Stage(facts), e.Message, client);
                verdict = PolicyVerdict.Defer(PolicyFailure);
            }
            if (verdict.Note is { } note)
                PolicyLog.Noted(log, facts.SessionId, policy.Name, Stage(facts), note, client);
            if (verdict.Kind != VerdictKind.Continue)     // a header alone is no news: the message carries it
                PolicyLog.Verdict(log, facts.SessionId, policy.Name, Stage(facts), Name(verdict.Kind),
                    verdict.Refuses ? verdict.Reply.ToString() : "", client);
            if (!verdict.Headers.IsDefaultOrEmpty)
                (headers ??= ImmutableArray.CreateBuilder<string>()).AddRange(verdict.Headers);
            if (verdict.Kind != VerdictKind.Continue)
                return verdict with { Headers = headers?.ToImmutable() ?? [], Note = null };
        }
        return headers is null ? PolicyVerdict.Continue : PolicyVerdict.ContinueWith(headers.ToImmutable());
    }

    static string Stage(SessionFacts facts) => PolicyStageNames.Of(facts.Stage);

    static string Name(VerdictKind kind) => kind switch
    {
        VerdictKind.Continue => "continue",
        VerdictKind.Accept => "accept",
        VerdictKind.Reject => "reject",
        _ => "defer",
    };
}
